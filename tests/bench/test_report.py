"""The text report and the JSON document, from a hand-built report."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from adadelta_compiled.bench.report import JSON_SCHEMA, render, to_json
from adadelta_compiled.bench.trial import TrialResult

from .fakes import BOUND_SECONDS, compile_count, make_report, make_result


def _report():  # type: ignore[no-untyped-def]
    return make_report(
        [
            make_result("torch-forloop", median=3 * BOUND_SECONDS, peak_bytes=4096),
            make_result(
                "adadelta_compiled",
                median=1.02 * BOUND_SECONDS,
                peak_bytes=2048,
                float_lr=compile_count(),
                tensor_lr=compile_count(),
                cold=TrialResult(timed_out_after=600.0),
                warm=TrialResult(error="RuntimeError: no compiler"),
            ),
        ],
        workloads=("resnet50",),
        first_step=("adadelta_compiled",),
    )


def test_the_table_has_a_row_per_result_with_its_figures() -> None:
    lines = render(_report()).splitlines()
    row = next(line for line in lines if line.startswith("resnet50  adadelta_compiled"))
    for cell in ("10.2 ms", "1.02x", "98%", "2.0 KiB", "1/0", "timeout > 600s", "error"):
        assert cell in row, f"{cell!r} missing from {row!r}"
    eager = next(line for line in lines if line.startswith("resnet50  torch-forloop"))
    assert "3.00x" in eager and "33%" in eager


def test_the_header_names_machine_torch_threads_bandwidth_and_memory_method() -> None:
    text = render(_report())
    assert "Test CPU, 2 CPUs" in text and "torch 2.13.0, 2 threads" in text
    assert "50.0 GB/s" in text and "28 bytes/element (fp32)" in text
    assert "test method" in text
    assert "grads: fresh: new grad tensors before every step" in text


def test_a_count_that_timed_out_says_so_in_its_column() -> None:
    result = make_result("adadelta_compiled", float_lr=compile_count())
    result.other_lr = TrialResult(lr_kind="tensor", timed_out_after=600.0)
    lines = render(make_report([result], workloads=("resnet50",))).splitlines()
    row = next(line for line in lines if line.startswith("resnet50  adadelta_compiled"))
    float_lr, tensor_lr = re.split(r"\s{2,}", row)[8:10]
    assert (float_lr, tensor_lr) == ("1/0", "timeout > 600s")


def test_a_steady_trial_that_timed_out_says_so_in_the_median_column() -> None:
    result = make_result("torch-compiled", median=None, peak_bytes=None)
    result.steady.timed_out_after = 600.0
    lines = render(make_report([result], workloads=("resnet50",))).splitlines()
    row = next(line for line in lines if line.startswith("resnet50  torch-compiled"))
    assert re.split(r"\s{2,}", row)[2:4] == ["timeout > 600s", "-"]


def test_failures_are_listed_with_their_trial() -> None:
    assert "adadelta_compiled on resnet50 (warm_first_step): RuntimeError: no compiler" in render(
        _report()
    )


def test_the_targets_section_gives_measured_values_and_status() -> None:
    text = render(_report())
    targets = text[text.index("targets (adadelta_compiled):"):]
    assert "step time <= 1.1x bandwidth bound" in targets and "1.02x" in targets
    assert "2.0 KiB vs 4.0 KiB" in targets
    statuses = {line.rsplit("  ", 1)[-1].strip() for line in targets.splitlines()[3:]}
    assert statuses == {"met", "missed", "not measured"}


def test_targets_are_said_to_be_unchecked_without_the_candidate() -> None:
    report = make_report([make_result("torch-foreach")], workloads=("resnet50",))
    assert "targets: not checked, adadelta_compiled was not measured" in render(report)


def test_json_document_structure() -> None:
    document = json.loads(json.dumps(to_json(_report())))
    assert document["schema"] == JSON_SCHEMA
    assert {"cpu_model", "cpu_count", "torch_version", "threads"} <= set(document["machine"])
    assert document["bytes_per_element"] == 28
    assert document["settings"]["workloads"] == ["resnet50"]
    ours = document["results"][1]
    assert ours["implementation"] == "adadelta_compiled"
    assert set(ours["trials"]) == {"steady", "other_lr", "cold_first_step", "warm_first_step"}
    assert ours["trials"]["cold_first_step"]["timed_out_after"] == 600.0
    assert ours["roofline"]["multiple"] == 1.02
    assert {"target", "workload", "measured", "status"} == set(document["targets"][0])


def test_timings_that_shared_their_cores_are_shown_and_warned_about() -> None:
    report = _report()
    assert "shared their cores" not in render(report)
    step_time = report.results[1].steady.step_time
    assert step_time is not None
    report.results[1].steady.step_time = replace(step_time, other_cpus=0.8)
    text = render(report)
    assert "warning: 1 of 2 timings shared their cores with other work" in text
    row = next(line for line in text.splitlines() if line.startswith("resnet50  adadelta_compiled"))
    assert re.split(r"\s{2,}", row)[4] == "0.80"


def test_a_step_that_beats_the_bound_gets_a_note() -> None:
    assert "beat the bandwidth bound" not in render(_report())
    report = make_report([make_result("torch-compiled", median=0.5 * BOUND_SECONDS)])
    assert "note: 1 step time(s) beat the bandwidth bound" in render(report)

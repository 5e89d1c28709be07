"""The text report and the JSON document, from a hand-built report."""

from __future__ import annotations

import json
import re

from adadelta_compiled.bench.report import JSON_SCHEMA, render, to_json
from adadelta_compiled.bench.trial import TrialResult

from .fakes import STREAM_SECONDS, compile_count, make_report, make_result


def _report():  # type: ignore[no-untyped-def]
    return make_report(
        [
            make_result("torch-forloop", median=3 * STREAM_SECONDS, peak_bytes=4096),
            make_result(
                "adadelta_compiled",
                median=1.02 * STREAM_SECONDS,
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


def _cells(text: str, starts: str) -> list[str]:
    row = next(line for line in text.splitlines() if line.startswith(starts))
    return re.split(r"\s{2,}", row)


def test_a_row_gives_the_rounds_median_its_quartiles_and_its_multiple_of_the_stream() -> None:
    cells = _cells(render(_report()), "resnet50  adadelta_compiled")
    assert cells[2:6] == ["10.2 ms", "9.18-12.2 ms", "1.02x", "98%"]
    assert cells[6:] == ["2.0 KiB", "1/0", "1/0", "timeout > 600s", "error"]
    assert _cells(render(_report()), "resnet50  torch-forloop")[4:6] == ["3.00x", "33%"]


def test_the_header_names_machine_rounds_and_the_streaming_kernels_bandwidth() -> None:
    text = render(_report())
    assert "Test CPU, 2 CPUs" in text and "torch 2.13.0, 2 threads" in text
    assert "median and IQR (q1-q3) over 30 rounds, each round one step" in text
    assert "half in another with the implementations built in reverse order" in text
    assert "28 bytes/element (fp32)" in text
    assert "resnet50 10 ms (IQR 9-12 ms; 1,000,000 elements in 3 tensors) = 2.8 GB/s" in text
    assert "test method" in text
    assert "grads: fresh: new grad tensors before every step" in text


def test_a_count_that_timed_out_says_so_in_its_column() -> None:
    result = make_result("adadelta_compiled", float_lr=compile_count())
    result.other_lr = TrialResult(lr_kind="tensor", timed_out_after=600.0)
    cells = _cells(render(make_report([result])), "resnet50  adadelta_compiled")
    assert cells[7:9] == ["1/0", "timeout > 600s"]


def test_a_steady_trial_that_timed_out_says_so_where_the_median_would_be() -> None:
    result = make_result("torch-compiled", median=None, peak_bytes=None)
    assert result.steady is not None
    result.steady.timed_out_after = 600.0
    cells = _cells(render(make_report([result])), "resnet50  torch-compiled")
    assert cells[2:4] == ["timeout > 600s", "-"]


def test_rounds_that_failed_say_so_in_every_row_of_the_workload_and_are_listed_once() -> None:
    failed = TrialResult(error="RuntimeError: out of memory")
    results = [make_result(name, median=None) for name in ("torch-foreach", "adadelta_compiled")]
    for result in results:
        result.rounds = failed
    text = render(make_report(results))
    for name in ("torch-foreach", "adadelta_compiled"):
        assert _cells(text, f"resnet50  {name}")[2:5] == ["error", "-", "-"]
    assert text.count("step-time rounds on resnet50: RuntimeError: out of memory") == 1
    assert "resnet50 - (1,000,000 elements in 3 tensors)" in text


def test_failures_are_listed_with_their_trial() -> None:
    assert "adadelta_compiled on resnet50 (warm_first_step): RuntimeError: no compiler" in render(
        _report()
    )


def test_launches_per_step_get_a_column_on_cuda_only() -> None:
    result = make_result("adadelta_compiled", launches=6)
    assert "launches/step" not in render(make_report([result]))
    text = render(make_report([result], device="cuda"))
    assert "launches/step" in text
    assert _cells(text, "resnet50  adadelta_compiled")[6] == "6"


def test_step_time_only_says_what_was_not_measured() -> None:
    text = render(make_report([make_result("torch-foreach")], step_time_only=True))
    assert "--step-time-only: no peak memory, compiles or first steps measured" in text


def test_step_time_only_shows_step_time_columns_and_targets_alone() -> None:
    text = render(make_report([make_result("adadelta_compiled")], step_time_only=True))
    header = next(line for line in text.splitlines() if line.startswith("workload  "))
    assert header.split() == ["workload", "implementation", "median", "IQR", "x", "bound", "of",
                              "BW"]  # fmt: skip
    targets = text[text.index("targets (adadelta_compiled):"):].splitlines()[3:]
    assert targets and all("step time <=" in line for line in targets)


def test_the_targets_section_gives_measured_values_and_status() -> None:
    text = render(_report())
    targets = text[text.index("targets (adadelta_compiled):"):]
    assert "step time <= 1.1x the streaming kernel's" in targets and "1.02x" in targets
    assert "2.0 KiB vs 4.0 KiB" in targets
    statuses = {line.rsplit("  ", 1)[-1].strip() for line in targets.splitlines()[3:]}
    assert statuses == {"met", "missed", "not measured"}


def test_targets_are_said_to_be_unchecked_without_the_candidate() -> None:
    report = make_report([make_result("torch-foreach")], workloads=("resnet50",))
    assert "targets: not checked, adadelta_compiled was not measured" in render(report)


def test_json_document_has_each_workloads_rounds_and_each_results_step_time() -> None:
    document = json.loads(json.dumps(to_json(_report())))
    assert document["schema"] == JSON_SCHEMA
    assert {"cpu_model", "cpu_count", "torch_version", "threads"} <= set(document["machine"])
    assert document["bytes_per_element"] == 28
    assert document["settings"]["workloads"] == ["resnet50"]
    assert document["settings"]["rounds"] == 30
    rounds = document["rounds"]["resnet50"]
    assert rounds["rounds"]["stream"]["median"] == STREAM_SECONDS
    assert rounds["stream_bytes_per_second"] == 2.8e9
    ours = document["results"][1]
    assert ours["implementation"] == "adadelta_compiled"
    assert set(ours["trials"]) == {"steady", "other_lr", "cold_first_step", "warm_first_step"}
    assert ours["trials"]["cold_first_step"]["timed_out_after"] == 600.0
    assert ours["step_time"]["median"] == 1.02 * STREAM_SECONDS
    assert ours["stream_time"]["median"] == STREAM_SECONDS
    assert ours["roofline"]["multiple"] == 1.02
    assert {"target", "workload", "measured", "status"} == set(document["targets"][0])


def test_a_step_that_beats_the_streaming_kernel_gets_a_note() -> None:
    assert "beat the streaming kernel" not in render(_report())
    report = make_report([make_result("torch-compiled", median=0.5 * STREAM_SECONDS)])
    assert "note: 1 step time(s) beat the streaming kernel" in render(report)

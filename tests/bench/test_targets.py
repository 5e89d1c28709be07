"""Issue #23's targets, checked for the candidate against limits, the streaming kernel and
torch-compiled, all timed in the same rounds."""

from __future__ import annotations

from adadelta_compiled.bench.results import Result
from adadelta_compiled.bench.targets import TargetCheck, check_targets
from adadelta_compiled.bench.trial import TrialResult

from .fakes import STREAM_SECONDS, compile_count, make_result

CANDIDATE = "adadelta_compiled"


def _check(results: list[Result], target_starts: str, workload: str = "resnet50") -> TargetCheck:
    matches = [
        check for check in check_targets(results, CANDIDATE)
        if check.target.startswith(target_starts) and check.workload == workload
    ]  # fmt: skip
    assert len(matches) == 1, f"expected one {target_starts!r} check, got {matches}"
    return matches[0]


def test_nothing_is_checked_when_the_candidate_was_not_measured() -> None:
    assert check_targets([make_result("torch-foreach")], CANDIDATE) == []


def test_every_target_of_issue_23_is_listed_for_each_workload() -> None:
    workloads = ("resnet50", "gpt2-small", "many-small", "one-big")
    results = [make_result(CANDIDATE, workload) for workload in workloads]
    targets = [(c.workload, c.target) for c in check_targets(results, CANDIDATE)]
    shared = [
        "cold first step <= 6 s",
        "warm first step <= 1.5 s",
        "no recompiles, float lr changing every step",
        "no recompiles, Tensor lr changing every step",
        "peak memory <= torch-forloop's",
    ]
    assert targets == [
        ("resnet50", "step time <= 0.97x torch-compiled's"),
        ("resnet50", "step time <= 1.1x the streaming kernel's"),
        *(("resnet50", target) for target in shared),
        ("gpt2-small", "step time <= 0.97x torch-compiled's"),
        ("gpt2-small", "step time <= 1.1x the streaming kernel's"),
        *(("gpt2-small", target) for target in shared),
        ("many-small", "step time <= 3x the streaming kernel's"),
        *(("many-small", target) for target in shared),
        ("one-big", "step time <= 1x torch-compiled's"),
        ("one-big", "step time <= 1.05x the streaming kernel's"),
        *(("one-big", target) for target in shared),
    ]


def test_within_the_streaming_kernels_multiple_is_met_and_beyond_it_missed() -> None:
    at_limit = make_result(CANDIDATE, median=1.1 * STREAM_SECONDS)
    assert _check([at_limit], "step time <= 1.1x the streaming").status == "met"
    beyond = make_result(CANDIDATE, median=1.11 * STREAM_SECONDS)
    check = _check([beyond], "step time <= 1.1x the streaming")
    assert (check.measured, check.status) == ("1.11x", "missed")


def test_one_big_tensor_must_come_within_five_percent_of_the_streaming_kernel() -> None:
    result = make_result(CANDIDATE, "one-big", median=1.06 * STREAM_SECONDS)
    assert _check([result], "step time <= 1.05x", "one-big").status == "missed"


def test_one_big_tensor_must_be_no_slower_than_compiled_torch() -> None:
    ours = make_result(CANDIDATE, "one-big", median=0.0101)
    theirs = make_result("torch-compiled", "one-big", median=0.0100)
    assert _check([ours, theirs], "step time <= 1x torch", "one-big").status == "missed"


def test_peak_memory_above_the_for_loops_is_missed() -> None:
    ours = make_result(CANDIDATE, peak_bytes=1001)
    at, below = (make_result("torch-forloop", peak_bytes=b) for b in (1001, 1000))
    assert _check([ours, at], "peak memory").status == "met"
    assert _check([ours, below], "peak memory").status == "missed"


def test_many_small_tensors_may_take_three_times_the_streaming_kernel() -> None:
    within = make_result(CANDIDATE, "many-small", median=2.9 * STREAM_SECONDS)
    assert _check([within], "step time <= 3x", "many-small").status == "met"
    beyond = make_result(CANDIDATE, "many-small", median=3.1 * STREAM_SECONDS)
    assert _check([beyond], "step time <= 3x", "many-small").status == "missed"


def test_the_models_must_step_three_percent_faster_than_compiled_torch() -> None:
    ours = make_result(CANDIDATE, median=0.0097)
    at_limit, closer = (make_result("torch-compiled", median=m) for m in (0.010, 0.0099))
    check = _check([ours, at_limit], "step time <= 0.97x torch")
    assert (check.measured, check.status) == ("0.97x (9.7 ms vs 10 ms)", "met")
    assert _check([ours, closer], "step time <= 0.97x torch").status == "missed"


def test_a_comparison_without_the_other_implementation_is_not_measured() -> None:
    check = _check([make_result(CANDIDATE)], "step time <= 0.97x torch-compiled")
    assert (check.measured, check.status) == ("-", "not measured")


def test_compiled_torch_without_a_step_time_leaves_the_comparison_not_measured() -> None:
    theirs = make_result("torch-compiled", median=None)
    check = _check([make_result(CANDIDATE), theirs], "step time <= 0.97x torch-compiled")
    assert check.status == "not measured"


def test_a_failed_steady_trial_leaves_its_targets_not_measured() -> None:
    failed = make_result(CANDIDATE, median=None, peak_bytes=None, error="RuntimeError: boom")
    assert _check([failed], "step time <= 1.1x").status == "not measured"
    assert _check([failed], "peak memory").status == "not measured"


def test_first_steps_are_checked_against_their_limits() -> None:
    result = make_result(
        CANDIDATE,
        cold=TrialResult(first_step_seconds=5.5),
        warm=TrialResult(first_step_seconds=1.6),
    )
    assert _check([result], "cold first step").status == "met"
    assert _check([result], "warm first step").status == "missed"


def test_a_first_step_that_timed_out_beyond_the_limit_is_missed() -> None:
    result = make_result(CANDIDATE, cold=TrialResult(timed_out_after=600.0))
    check = _check([result], "cold first step")
    assert (check.measured, check.status) == ("timeout > 600s", "missed")


def test_a_first_step_that_timed_out_within_the_limit_is_not_measured() -> None:
    result = make_result(CANDIDATE, cold=TrialResult(timed_out_after=5.0))
    assert _check([result], "cold first step").status == "not measured"


def test_skipped_first_steps_are_not_measured() -> None:
    assert _check([make_result(CANDIDATE)], "warm first step").status == "not measured"


def test_recompiles_or_new_graphs_after_the_first_step_miss_the_target() -> None:
    result = make_result(
        CANDIDATE,
        float_lr=compile_count(recompiles=0, graphs=1),
        tensor_lr=compile_count(recompiles=0, graphs=2),
    )
    assert _check([result], "no recompiles, float lr").status == "met"
    assert _check([result], "no recompiles, Tensor lr").status == "missed"


def test_fewer_counted_steps_than_the_target_are_said() -> None:
    result = make_result(CANDIDATE, float_lr=compile_count(recompiles=3, graphs=4, steps=100))
    check = _check([result], "no recompiles, float lr")
    assert check.measured == "3 recompiles, 4 graphs in 100 steps (target counts 1000)"
    assert check.status == "missed"


def test_a_step_time_only_run_leaves_memory_and_compile_targets_not_measured() -> None:
    result = make_result(CANDIDATE)
    result.steady = None
    statuses = {c.target: c.status for c in check_targets([result], CANDIDATE)}
    assert statuses["step time <= 1.1x the streaming kernel's"] == "met"
    assert statuses["no recompiles, float lr changing every step"] == "not measured"
    assert statuses["peak memory <= torch-forloop's"] == "not measured"

"""Targets are checked for the candidate against limits and against other implementations."""

from __future__ import annotations

from adadelta_compiled.bench.results import Result
from adadelta_compiled.bench.targets import TargetCheck, check_targets
from adadelta_compiled.bench.trial import TrialResult

from .fakes import BOUND_SECONDS, compile_count, make_result

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


def test_every_target_is_listed_for_each_workload() -> None:
    results = [make_result(CANDIDATE, workload) for workload in ("resnet50", "many-small")]
    targets = [(c.workload, c.target) for c in check_targets(results, CANDIDATE)]
    assert targets == [
        ("resnet50", "step time <= 1.1x bandwidth bound"),
        ("resnet50", "step time <= torch-compiled's"),
        ("resnet50", "cold first step <= 6 s"),
        ("resnet50", "warm first step <= 1.5 s"),
        ("resnet50", "no recompiles, float lr changing every step"),
        ("resnet50", "no recompiles, Tensor lr changing every step"),
        ("resnet50", "peak memory <= torch-forloop's + 5%"),
        ("many-small", "step time <= 5x bandwidth bound"),
        ("many-small", "cold first step <= 6 s"),
        ("many-small", "warm first step <= 1.5 s"),
        ("many-small", "no recompiles, float lr changing every step"),
        ("many-small", "no recompiles, Tensor lr changing every step"),
        ("many-small", "peak memory <= torch-forloop's + 5%"),
    ]


def test_roofline_within_the_limit_is_met_and_beyond_it_missed() -> None:
    at_limit = make_result(CANDIDATE, median=1.1 * BOUND_SECONDS)
    assert _check([at_limit], "step time <= 1.1x").status == "met"
    beyond = make_result(CANDIDATE, median=1.11 * BOUND_SECONDS)
    check = _check([beyond], "step time <= 1.1x")
    assert (check.measured, check.status) == ("1.11x", "missed")


def test_one_big_tensor_must_come_within_five_percent_of_the_bound() -> None:
    result = make_result(CANDIDATE, "one-big", median=1.06 * BOUND_SECONDS)
    assert _check([result], "step time <= 1.05x", "one-big").status == "missed"


def test_many_small_tensors_may_take_five_times_the_bound() -> None:
    result = make_result(CANDIDATE, "many-small", median=4.9 * BOUND_SECONDS)
    assert _check([result], "step time <= 5x", "many-small").status == "met"


def test_no_slower_than_compiled_torch_compares_medians() -> None:
    ours = make_result(CANDIDATE, median=0.002)
    slower, faster = (make_result("torch-compiled", median=m) for m in (0.003, 0.001))
    assert _check([ours, slower], "step time <= torch").status == "met"
    assert _check([ours, faster], "step time <= torch").status == "missed"


def test_a_comparison_without_the_other_implementation_is_not_measured() -> None:
    check = _check([make_result(CANDIDATE)], "step time <= torch-compiled")
    assert (check.measured, check.status) == ("-", "not measured")


def test_a_failed_steady_trial_leaves_its_targets_not_measured() -> None:
    failed = make_result(CANDIDATE, median=None, peak_bytes=None, error="RuntimeError: boom")
    assert _check([failed], "step time <= 1.1x").status == "not measured"


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


def test_peak_memory_may_exceed_torch_forloops_by_five_percent() -> None:
    ours = make_result(CANDIDATE, peak_bytes=2100)
    check = _check([ours, make_result("torch-forloop", peak_bytes=2048)], "peak memory")
    assert (check.measured, check.status) == ("2.1 KiB vs 2.0 KiB", "met")
    smaller = make_result("torch-forloop", peak_bytes=1998)
    assert _check([ours, smaller], "peak memory").status == "missed"

"""A run's order of trials, with the trials faked: each implementation's own, then the rounds."""

from __future__ import annotations

import io

import pytest

from adadelta_compiled.bench import runner
from adadelta_compiled.bench.rounds import HeadToHead, RoundTimes
from adadelta_compiled.bench.settings import Settings
from adadelta_compiled.bench.trial import TrialResult, TrialSpec

TIMES = RoundTimes.of([0.009, 0.01, 0.01, 0.012, 0.011])


def _fake_trials(
    monkeypatch: pytest.MonkeyPatch, timed_out: frozenset[str] = frozenset()
) -> list[TrialSpec]:
    """Make every trial finish at once (a steady trial of ``timed_out`` times out); return the
    specs run, in order."""
    specs: list[TrialSpec] = []

    def run_trial(
        spec: TrialSpec, *, timeout: float, inductor_cache_dir: str | None = None
    ) -> TrialResult:
        specs.append(spec)
        if spec.kind == "rounds":
            steps = {name: TIMES for name in spec.implementations}
            return TrialResult(rounds=HeadToHead(steps, TIMES, {}))
        if spec.kind == "steady" and spec.implementation in timed_out:
            return TrialResult(lr_kind=spec.lr_kind, timed_out_after=timeout)
        return TrialResult(lr_kind=spec.lr_kind, peak_bytes=1)

    monkeypatch.setattr(runner, "run_trial", run_trial)
    return specs


def _settings(**changes: object) -> Settings:
    chosen = dict(
        implementations=("torch-forloop", "torch-compiled"), workloads=("many-small", "one-big"),
        quick=True, rounds=7,
    )  # fmt: skip
    return Settings(**{**chosen, **changes})  # type: ignore[arg-type]


def test_each_workload_gets_rounds_trials_in_both_build_orders_after_its_own_trials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specs = _fake_trials(monkeypatch)
    report = runner.run(_settings(), io.StringIO())
    assert [(s.workload, s.kind, s.implementations) for s in specs] == [
        ("many-small", "steady", ("torch-forloop",)),
        ("many-small", "steady", ("torch-compiled",)),
        ("many-small", "compiles", ("torch-compiled",)),
        ("many-small", "rounds", ("torch-forloop", "torch-compiled")),
        ("many-small", "rounds", ("torch-compiled", "torch-forloop")),
        ("one-big", "steady", ("torch-forloop",)),
        ("one-big", "steady", ("torch-compiled",)),
        ("one-big", "compiles", ("torch-compiled",)),
        ("one-big", "rounds", ("torch-forloop", "torch-compiled")),
        ("one-big", "rounds", ("torch-compiled", "torch-forloop")),
    ]
    assert (specs[3].rounds, specs[4].rounds) == (4, 3)  # 7 rounds in all
    assert list(report.rounds) == ["many-small", "one-big"]
    pooled = RoundTimes.pooled([TIMES, TIMES])
    assert all(result.step_time == pooled for result in report.results)
    assert pooled.rounds == 2 * TIMES.rounds


def test_an_implementation_whose_steady_trial_timed_out_is_left_out_of_the_rounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specs = _fake_trials(monkeypatch, timed_out=frozenset({"torch-compiled"}))
    report = runner.run(_settings(workloads=("many-small",)), io.StringIO())
    assert specs[-1].implementations == ("torch-forloop",)
    forloop, compiled = report.results
    assert forloop.step_time == TIMES and compiled.step_time is None


def test_no_rounds_trial_when_no_implementation_finished_its_steady_trial(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specs = _fake_trials(monkeypatch, timed_out=frozenset({"torch-forloop", "torch-compiled"}))
    progress = io.StringIO()
    report = runner.run(_settings(workloads=("many-small",)), progress)
    assert "rounds" not in [spec.kind for spec in specs] and report.rounds == {}
    assert "skipped: no implementation finished its steady trial" in progress.getvalue()


def test_step_time_only_runs_nothing_but_the_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    specs = _fake_trials(monkeypatch)
    report = runner.run(_settings(step_time_only=True, first_step=("torch-forloop",)))
    assert [spec.kind for spec in specs] == ["rounds"] * 4  # two orders, two workloads
    assert all(result.steady is None for result in report.results)


def test_one_implementation_is_timed_in_one_build_order_with_every_round() -> None:
    assert runner.build_orders(["adadelta_compiled"], 30) == [(["adadelta_compiled"], 30)]


def test_two_build_orders_each_get_at_least_the_minimum_of_rounds() -> None:
    assert runner.build_orders(["a", "b"], 2) == [(["a", "b"], 2), (["b", "a"], 2)]

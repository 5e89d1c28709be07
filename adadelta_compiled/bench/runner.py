"""A benchmark run, workload by workload, one fresh process at a time (so no measurement
competes with another for the cores): each implementation's own trials (peak memory, graphs and
recompiles, first steps), then the workload's step times: ``rounds`` trials that time every
implementation and the streaming kernel in alternating rounds in one process, once in each
build order (:func:`build_orders`), pooled."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from typing import TextIO

import torch

from . import memory
from .format import format_unfinished
from .implementations import Implementation, resolve
from .machine import describe_machine
from .progress import Progress
from .report import Report
from .results import Result
from .rounds import MIN_ROUNDS, HeadToHead
from .settings import Settings
from .targets import check_targets
from .trial import TrialKind, TrialResult, TrialSpec, run_trial
from .workloads import Workload, workload_named

__all__ = ["build_orders", "run"]


def _trial_count(implementation: Implementation, settings: Settings) -> int:
    """The trials of ``implementation`` on one workload, the shared rounds trial not included."""
    if settings.step_time_only:
        return 0
    first_step = 2 if implementation.name in settings.first_step else 0
    return 1 + implementation.may_compile + first_step


def _summary(trial: TrialResult) -> str:
    """How a trial ended, for the progress line."""
    if trial.error is not None:
        return "error: " + trial.error.splitlines()[-1]
    return format_unfinished(trial) or "done"


def _finished(trial: TrialResult | None) -> bool:
    return trial is None or (trial.error is None and trial.timed_out_after is None)


class _Runner:
    """Runs the trials of one benchmark run, announcing each on the progress display."""

    def __init__(self, settings: Settings, progress: Progress, threads: int) -> None:
        self.settings = settings
        self.progress = progress
        self.threads = threads

    def spec(self, kind: TrialKind, implementations: list[str], workload: Workload) -> TrialSpec:
        settings = self.settings
        return TrialSpec(
            kind=kind,
            implementations=tuple(implementations),
            workload=workload.name,
            quick=settings.quick,
            dtype=settings.dtype,
            device=settings.device,
            steps=settings.steps,
            rounds=settings.rounds,
            threads=self.threads,
            grads=settings.grads,
        )

    def trial(
        self, label: str, spec: TrialSpec, inductor_cache_dir: str | None = None
    ) -> TrialResult:
        with self.progress.task(label) as task:
            result = run_trial(
                spec, timeout=self.settings.timeout, inductor_cache_dir=inductor_cache_dir
            )
            task.outcome = _summary(result)
        return result

    def trials(self, workload: Workload, implementation: Implementation) -> dict[str, TrialResult]:
        """The trials of ``implementation`` alone on ``workload``, by their role in
        :class:`Result`."""
        if self.settings.step_time_only:
            return {}
        name = f"{implementation.name} on {workload.name}"
        spec = replace(
            self.spec("steady", [implementation.name], workload),
            lr_kind="tensor" if implementation.tensor_lr else "float",
        )
        trials = {"steady": self.trial(f"{name}: peak memory, compiles", spec)}
        if implementation.may_compile:
            other_lr = "float" if implementation.tensor_lr else "tensor"
            trials["other_lr"] = self.trial(
                f"{name}: compiles with a {'Tensor' if other_lr == 'tensor' else 'float'} lr",
                replace(spec, kind="compiles", lr_kind=other_lr),
            )
        if implementation.name in self.settings.first_step:
            first_step = replace(spec, kind="first-step")
            with tempfile.TemporaryDirectory(prefix="adadelta-bench-inductor-") as cache_dir:
                trials["cold_first_step"] = self.trial(
                    f"{name}: first step, empty Inductor cache", first_step, cache_dir
                )
                trials["warm_first_step"] = self.trial(
                    f"{name}: first step, warm Inductor cache", first_step, cache_dir
                )
        return trials

    def rounds(self, workload: Workload, implementations: list[str]) -> TrialResult | None:
        """The step times of ``implementations`` on ``workload``, from ``rounds`` trials in
        each build order (see :func:`build_orders`), pooled; None when there are none to
        time."""
        orders = build_orders(implementations, self.settings.rounds)
        trials = []
        for order, rounds in orders:
            label = (
                f"{workload.name}: step times of {len(order)} implementation"
                f"{'' if len(order) == 1 else 's'} and the streaming kernel in {rounds} rounds"
                f"{', built in reverse order' if order != implementations else ''}"
            )
            if not order:
                with self.progress.task(label) as task:
                    task.outcome = "skipped: no implementation finished its steady trial"
                return None
            spec = replace(self.spec("rounds", order, workload), rounds=rounds)
            trial = self.trial(label, spec)
            if trial.rounds is None:  # an error or a timeout: it says why
                return trial
            trials.append(trial.rounds)
        return TrialResult(rounds=HeadToHead.pooled(trials))


def build_orders(implementations: list[str], rounds: int) -> list[tuple[list[str], int]]:
    """The rounds trials that time ``implementations``: as given and, where there are several,
    built in reverse order, each with half the rounds (at least :data:`~.rounds.MIN_ROUNDS`).

    On this 2-vCPU VM the implementation whose buffers are allocated first steps up to 20 %
    faster than one allocated after it (one 32 Mi tensor, the same kernel either way), so a
    single build order would favour one; two opposite orders, pooled, favour none of two.
    """
    if len(implementations) < 2:
        return [(implementations, rounds)]
    first = max(MIN_ROUNDS, (rounds + 1) // 2)
    second = max(MIN_ROUNDS, rounds - first)
    return [(implementations, first), (implementations[::-1], second)]


def run(settings: Settings, progress_stream: TextIO | None = None) -> Report:
    """Measure what ``settings`` asks for; progress goes to ``progress_stream`` (stderr)."""
    device = torch.device(settings.device)
    threads = settings.threads or torch.get_num_threads()
    implementations = [resolve(name) for name in settings.implementations]
    workloads = [workload_named(name) for name in settings.workloads]
    if settings.quick:
        workloads = [workload.quick() for workload in workloads]
    per_workload = len(build_orders(list(settings.implementations), settings.rounds)) + sum(
        _trial_count(i, settings) for i in implementations
    )
    runner = _Runner(settings, Progress(len(workloads) * per_workload, progress_stream), threads)
    machine = describe_machine(device, threads)

    results: list[Result] = []
    rounds: dict[str, TrialResult] = {}
    for workload in workloads:
        own = {i.name: runner.trials(workload, i) for i in implementations}
        # One that did not finish its steady trial would not finish warming up in the rounds
        # either, and the rounds trial's timeout would take every other step time with it.
        timed = [name for name, trials in own.items() if _finished(trials.get("steady"))]
        workload_rounds = runner.rounds(workload, timed)
        if workload_rounds is not None:
            rounds[workload.name] = workload_rounds
        results += [
            Result(
                workload.name, name, workload.numel, workload.tensor_count, workload_rounds,
                **trials,  # type: ignore[arg-type]
            )
            for name, trials in own.items()
        ]  # fmt: skip
    return Report(
        machine=machine,
        settings=settings,
        memory_method=memory.method(device),
        rounds=rounds,
        results=results,
        targets=check_targets(results, settings.candidate),
    )

"""A benchmark run: memory bandwidth, then every trial of every implementation on every
workload, one fresh process at a time (so no measurement competes with another for the cores),
then the bandwidth again; the roofline uses the best of the two bandwidth measurements."""

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
from .roofline import Bandwidth, bound_seconds, measure_bandwidth
from .settings import Settings
from .targets import check_targets
from .trial import DTYPES, TrialResult, TrialSpec, run_trial
from .workloads import Workload, workload_named

__all__ = ["run"]

# Four fp32 buffers of 128 MiB dwarf any CPU cache; --quick streams 16 MiB buffers briefly,
# which makes its roofline a smoke test like the rest of it.
_BANDWIDTH_NUMEL = 32 * 2**20
_BANDWIDTH_SECONDS = 2.0
_QUICK_BANDWIDTH_NUMEL = 4 * 2**20
_QUICK_BANDWIDTH_SECONDS = 0.1


def _trial_count(implementation: Implementation, settings: Settings) -> int:
    first_step = 2 if implementation.name in settings.first_step else 0
    return 1 + implementation.may_compile + first_step


def _summary(trial: TrialResult) -> str:
    """How a trial ended, for the progress line."""
    if trial.error is not None:
        return "error: " + trial.error.splitlines()[-1]
    return format_unfinished(trial) or "done"


class _Runner:
    """Runs the trials of one benchmark run, announcing each on the progress display."""

    def __init__(self, settings: Settings, progress: Progress, threads: int) -> None:
        self.settings = settings
        self.progress = progress
        self.threads = threads

    def bandwidth(self, when: str) -> Bandwidth:
        with self.progress.task(f"memory bandwidth {when} (streaming kernel)") as task:
            torch.set_num_threads(self.threads)
            quick = self.settings.quick
            measured = measure_bandwidth(
                torch.device(self.settings.device),
                numel=_QUICK_BANDWIDTH_NUMEL if quick else _BANDWIDTH_NUMEL,
                min_seconds=_QUICK_BANDWIDTH_SECONDS if quick else _BANDWIDTH_SECONDS,
            )
            task.outcome = f"{measured.bytes_per_second / 1e9:.1f} GB/s"
        return measured

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
        """Every trial of ``implementation`` on ``workload``, by its role in :class:`Result`."""
        settings = self.settings
        name = f"{implementation.name} on {workload.name}"
        spec = TrialSpec(
            kind="steady",
            implementation=implementation.name,
            workload=workload.name,
            quick=settings.quick,
            dtype=settings.dtype,
            device=settings.device,
            lr_kind="tensor" if implementation.tensor_lr else "float",
            steps=settings.steps,
            min_run_time=settings.min_run_time,
            threads=self.threads,
            grads=settings.grads,
        )
        trials = {"steady": self.trial(f"{name}: steady state, memory, compiles", spec)}
        if implementation.may_compile:
            other_lr = "float" if implementation.tensor_lr else "tensor"
            trials["other_lr"] = self.trial(
                f"{name}: compiles with a {'Tensor' if other_lr == 'tensor' else 'float'} lr",
                replace(spec, kind="compiles", lr_kind=other_lr),
            )
        if implementation.name in settings.first_step:
            first_step = replace(spec, kind="first-step")
            with tempfile.TemporaryDirectory(prefix="adadelta-bench-inductor-") as cache_dir:
                trials["cold_first_step"] = self.trial(
                    f"{name}: first step, empty Inductor cache", first_step, cache_dir
                )
                trials["warm_first_step"] = self.trial(
                    f"{name}: first step, warm Inductor cache", first_step, cache_dir
                )
        return trials


def run(settings: Settings, progress_stream: TextIO | None = None) -> Report:
    """Measure what ``settings`` asks for; progress goes to ``progress_stream`` (stderr)."""
    device = torch.device(settings.device)
    dtype = DTYPES[settings.dtype]
    threads = settings.threads or torch.get_num_threads()
    implementations = [resolve(name) for name in settings.implementations]
    workloads = [workload_named(name) for name in settings.workloads]
    if settings.quick:
        workloads = [workload.quick() for workload in workloads]
    total = 2 + len(workloads) * sum(_trial_count(i, settings) for i in implementations)
    runner = _Runner(settings, Progress(total, progress_stream), threads)
    machine = describe_machine(device, threads)

    at_start = runner.bandwidth("at the start")
    measured = [
        (workload, implementation, runner.trials(workload, implementation))
        for workload in workloads
        for implementation in implementations
    ]
    bandwidth = Bandwidth.best_of([at_start, runner.bandwidth("at the end")])

    results = [
        Result(
            workload.name,
            implementation.name,
            workload.numel,
            workload.tensor_count,
            bound_seconds(workload.numel, dtype, bandwidth.bytes_per_second),
            **trials,  # type: ignore[arg-type]
        )
        for workload, implementation, trials in measured
    ]
    return Report(
        machine=machine,
        settings=settings,
        bandwidth=bandwidth,
        memory_method=memory.method(device),
        results=results,
        targets=check_targets(results, settings.candidate),
    )

"""Results and reports built by hand, so the figures derived from them need no measuring."""

from __future__ import annotations

from adadelta_compiled.bench.compiles import CompileCount
from adadelta_compiled.bench.machine import Machine
from adadelta_compiled.bench.report import Report
from adadelta_compiled.bench.results import Result
from adadelta_compiled.bench.roofline import Bandwidth
from adadelta_compiled.bench.settings import Settings
from adadelta_compiled.bench.targets import check_targets
from adadelta_compiled.bench.timing import StepTime
from adadelta_compiled.bench.trial import TrialResult

BOUND_SECONDS = 0.010


def step_time(median: float) -> StepTime:
    return StepTime(median=median, iqr=median / 10, samples=7, steps_per_sample=1, threads=2)


def compile_count(recompiles: int = 0, graphs: int = 1, steps: int = 100) -> CompileCount:
    return CompileCount(steps=steps, graphs=graphs, graphs_first_step=1, recompiles=recompiles)


def make_result(
    implementation: str,
    workload: str = "resnet50",
    *,
    median: float | None = BOUND_SECONDS,
    peak_bytes: int | None = 1000,
    float_lr: CompileCount | None = None,
    tensor_lr: CompileCount | None = None,
    cold: TrialResult | None = None,
    warm: TrialResult | None = None,
    error: str | None = None,
) -> Result:
    """A result whose steady trial ran with a float lr (and the other trial with a Tensor lr)."""
    steady = TrialResult(
        step_time=None if median is None else step_time(median),
        peak_bytes=peak_bytes,
        compiles=float_lr,
        lr_kind="float",
        error=error,
    )
    other_lr = None if tensor_lr is None else TrialResult(compiles=tensor_lr, lr_kind="tensor")
    return Result(
        workload, implementation, numel=1000, tensors=3, bound_seconds=BOUND_SECONDS,
        steady=steady, other_lr=other_lr, cold_first_step=cold, warm_first_step=warm,
    )  # fmt: skip


def make_report(results: list[Result], **settings: object) -> Report:
    chosen = Settings(**settings)  # type: ignore[arg-type]
    return Report(
        machine=Machine(
            cpu_model="Test CPU", cpu_count=2, accelerator=None, platform="test",
            python="3.11", torch_version="2.13.0", threads=2, load_average=(0.5, 0.5, 0.5),
        ),
        settings=chosen,
        bandwidth=Bandwidth(
            bytes_per_second=50e9, per_measurement=(45e9, 50e9), buffer_bytes=2**27, runs=20,
            method="test",
        ),
        memory_method="test method",
        results=results,
        targets=check_targets(results, chosen.candidate),
    )  # fmt: skip

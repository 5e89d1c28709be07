"""Results and reports built by hand, so the figures derived from them need no measuring."""

from __future__ import annotations

from adadelta_compiled.bench.compiles import CompileCount
from adadelta_compiled.bench.machine import Machine
from adadelta_compiled.bench.report import Report
from adadelta_compiled.bench.results import Result
from adadelta_compiled.bench.rounds import HeadToHead, RoundTimes
from adadelta_compiled.bench.settings import Settings
from adadelta_compiled.bench.targets import check_targets
from adadelta_compiled.bench.trial import TrialResult

STREAM_SECONDS = 0.010
NUMEL = 1_000_000  # 28 MB a step in fp32: 2.8 GB/s in STREAM_SECONDS


def round_times(median: float) -> RoundTimes:
    return RoundTimes(median=median, q1=0.9 * median, q3=1.2 * median, rounds=30)


def compile_count(recompiles: int = 0, graphs: int = 1, steps: int = 100) -> CompileCount:
    return CompileCount(steps=steps, graphs=graphs, graphs_first_step=1, recompiles=recompiles)


def make_result(
    implementation: str,
    workload: str = "resnet50",
    *,
    median: float | None = STREAM_SECONDS,
    peak_bytes: int | None = 1000,
    float_lr: CompileCount | None = None,
    tensor_lr: CompileCount | None = None,
    cold: TrialResult | None = None,
    warm: TrialResult | None = None,
    error: str | None = None,
    launches: float | None = None,
) -> Result:
    """A result timed in rounds beside a streaming kernel of STREAM_SECONDS (not timed when
    ``median`` is None), whose steady trial ran with a float lr (the other with a Tensor lr)."""
    rounds = TrialResult(
        rounds=HeadToHead(
            steps={} if median is None else {implementation: round_times(median)},
            stream=round_times(STREAM_SECONDS),
            launches_per_step={} if launches is None else {implementation: launches},
        )
    )
    steady = TrialResult(peak_bytes=peak_bytes, compiles=float_lr, lr_kind="float", error=error)
    other_lr = None if tensor_lr is None else TrialResult(compiles=tensor_lr, lr_kind="tensor")
    return Result(
        workload, implementation, numel=NUMEL, tensors=3, rounds=rounds, steady=steady,
        other_lr=other_lr, cold_first_step=cold, warm_first_step=warm,
    )  # fmt: skip


def make_report(results: list[Result], **settings: object) -> Report:
    chosen = Settings(**settings)  # type: ignore[arg-type]
    return Report(
        machine=Machine(
            cpu_model="Test CPU", cpu_count=2, accelerator=None, platform="test",
            python="3.11", torch_version="2.13.0", threads=2, load_average=(0.5, 0.5, 0.5),
        ),
        settings=chosen,
        memory_method="test method",
        rounds={r.workload: r.rounds for r in results if r.rounds is not None},
        results=results,
        targets=check_targets(results, chosen.candidate),
    )  # fmt: skip

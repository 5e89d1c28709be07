"""Head to head in one process: implementations stepped in alternating rounds, beside a
streaming kernel with the same memory traffic.

``python -m adadelta_compiled.bench.rounds`` builds every implementation on its own copy of
a workload's params in one process, warms each up (compiling, and waiting for any compile
left running in the background), then runs rounds: one step of each implementation and one
run of the streaming kernel (4 reads and 3 writes of the workload's element count), in an order
rotated every round, each timed alone, new grads given before every step untimed (unless
``--kept-grads``). Every implementation thus sees the same memory bandwidth, which on a shared
VM drifts by ±30 % between the minutes separate processes run in; medians and interquartile
ranges are over the rounds. The streaming kernel's time is the step's bound, so its multiple
is the inverse of the fraction of achievable memory bandwidth (HBM on a GPU) a step reaches.
On CUDA, each implementation's kernel launches per step are counted with torch.profiler.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from .implementations import BUILTIN_NAMES, resolve
from .roofline import READS_PER_ELEMENT, _stream_
from .trial import DTYPES
from .workloads import WORKLOADS, make_params, workload_named

__all__ = ["RoundTimes", "main", "run_rounds"]

STREAM = "streaming kernel"


@dataclass(frozen=True)
class RoundTimes:
    """Seconds per step (or per streaming-kernel run) over the rounds."""

    median: float
    q1: float
    q3: float
    rounds: int

    @classmethod
    def of(cls, times: Sequence[float]) -> RoundTimes:
        q1, _, q3 = statistics.quantiles(times, n=4)
        return cls(statistics.median(times), q1, q3, len(times))


def run_rounds(
    workload_name: str, implementations: Sequence[str], *, rounds: int, fresh_grads: bool,
    dtype: torch.dtype = torch.float32, device: str = "cpu", quick: bool = False,
    launches: dict[str, float] | None = None,
) -> dict[str, RoundTimes]:  # fmt: skip
    """Each implementation's step time, and the streaming kernel's, by name (``quick``: the
    workload shrunk as ``--quick`` shrinks it, a smoke test). On CUDA, ``launches`` receives
    each implementation's kernel launches per step."""
    launches = {} if launches is None else launches
    workload = workload_named(workload_name)
    if quick:
        workload = workload.quick()
    synchronize = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    steppers = {}
    for name in implementations:
        lr = torch.tensor(1.0) if resolve(name).tensor_lr else 1.0
        steppers[name] = resolve(name).build(make_params(workload, dtype, device), lr)
    buffers = [torch.rand(workload.numel, device=device) for _ in range(READS_PER_ELEMENT)]
    stream_ = torch.compile(_stream_, fullgraph=True, dynamic=False)

    def timed(name: str) -> Callable[[], float]:
        if name == STREAM:
            run = lambda: stream_(*buffers)  # noqa: E731
        else:
            stepper = steppers[name]
            run = stepper.step
        renew = steppers[name].renew_grads if fresh_grads and name != STREAM else None

        def once() -> float:
            if renew is not None:
                renew()
            synchronize()
            start = time.perf_counter()
            run()
            synchronize()
            return time.perf_counter() - start

        return once

    runs = {name: timed(name) for name in [*implementations, STREAM]}
    for run in runs.values():  # compile, and start any background compile
        run()
        run()
    _wait_for_background_compiles()
    for run in runs.values():  # load what the background compiled
        run()
    if device == "cuda":
        for name in implementations:
            launches[name] = _launches_per_step(runs[name])
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(runs[name]())
    return {name: RoundTimes.of(samples) for name, samples in times.items()}


_LAUNCH_EVENTS = frozenset({"cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC"})
_PROFILED_STEPS = 5


def _launches_per_step(run: Callable[[], float]) -> float:
    """Kernel launches per step, counted by torch.profiler over a few steps."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as profiler:
        for _ in range(_PROFILED_STEPS):
            run()
    events = profiler.events() or []
    return sum(event.name in _LAUNCH_EVENTS for event in events) / _PROFILED_STEPS


def _wait_for_background_compiles() -> None:
    many = sys.modules.get("adadelta_compiled.many")
    if many is not None:
        many.wait_for_compiles()


def _format_ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def render(workload: str, times: dict[str, RoundTimes], candidate: str | None,
           launches: dict[str, float] | None = None) -> str:
    """One markdown row per implementation: median, IQR, multiple of the stream and of the
    candidate, and launches per step where counted."""
    stream = times[STREAM].median
    lines = []
    for name, t in times.items():
        versus = "" if candidate not in times or name == STREAM else (
            f"{t.median / times[candidate].median:.2f}x"
        )  # fmt: skip
        counted = "" if not launches else f" {launches[name]:g} |" if name in launches else " |"
        lines.append(
            f"| {workload} | {name} | {_format_ms(t.median)} ms | {_format_ms(t.q1)}-"
            f"{_format_ms(t.q3)} | {t.median / stream:.2f}x | {versus} |{counted}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m adadelta_compiled.bench.rounds",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--impl", action="append", dest="implementations", metavar="NAME",
                        help=f"repeatable: {', '.join(BUILTIN_NAMES)} or MODULE:ATTR "
                        "(default: torch-compiled and adadelta_compiled)")  # fmt: skip
    parser.add_argument("--workload", action="append", dest="workloads",
                        choices=[w.name for w in WORKLOADS], help="repeatable (default: all)")
    parser.add_argument("--rounds", type=int, default=30, help="default: %(default)s")
    parser.add_argument("--kept-grads", action="store_true",
                        help="the same grad tensors every step (default: new ones)")
    parser.add_argument("--dtype", choices=list(DTYPES), default="fp32")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--quick", action="store_true",
                        help="tiny workloads: a smoke test, not figures")
    parser.add_argument("--candidate", default="adadelta_compiled",
                        help="the implementation the last column compares against")
    args = parser.parse_args(argv)
    implementations = args.implementations or ["torch-compiled", "adadelta_compiled"]
    for name in implementations:
        resolve(name)
    on_cuda = args.device == "cuda"
    print(f"| workload | implementation | step (median, {args.rounds} rounds) | IQR | "
          f"x stream | x {args.candidate} |{' launches/step |' if on_cuda else ''}\n"
          f"| --- | --- | ---: | ---: | ---: | ---: |{' ---: |' if on_cuda else ''}")  # fmt: skip
    for workload in args.workloads or [w.name for w in WORKLOADS]:
        launches: dict[str, float] = {}
        times = run_rounds(workload, implementations, rounds=args.rounds,
                           fresh_grads=not args.kept_grads, dtype=DTYPES[args.dtype],
                           device=args.device, quick=args.quick, launches=launches)  # fmt: skip
        print(render(workload, times, args.candidate, launches), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

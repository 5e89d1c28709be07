"""One measurement on one workload, in a fresh Python process.

A fresh process is what makes the figures mean something: Dynamo's caches and counters start
empty, so graphs and recompiles are this implementation's alone; a first step pays the
compiler's imports; and a cold first step can be given an empty Inductor cache.

Four kinds of trial (``TrialSpec.kind``); the first three measure one implementation:

- ``steady``: with the implementation's recommended lr kind, step ``steps`` times with an lr
  that changes every step: peak memory over the first :data:`MEMORY_STEPS`, graphs and
  recompiles over all of them;
- ``compiles``: the same counting with the other lr kind (float or Tensor);
- ``first-step``: the time of the very first step, compilation included;
- ``rounds``: the step times of every implementation of the run, and of the streaming kernel,
  in alternating rounds in this one process (:func:`~adadelta_compiled.bench.rounds.run_rounds`).

The parent runs ``python -m adadelta_compiled.bench.trial SPEC_JSON RESULT_PATH`` and reads the
result back; a trial that outlives its timeout is killed with its process group.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from . import memory
from .compiles import CompileCount, counting_compiles
from .implementations import Stepper, resolve
from .rounds import HeadToHead, run_rounds
from .settings import DTYPES
from .workloads import make_params, workload_named

__all__ = ["MEMORY_STEPS", "LrKind", "TrialKind", "TrialResult", "TrialSpec", "run_trial"]

TrialKind = Literal["steady", "compiles", "first-step", "rounds"]
LrKind = Literal["float", "tensor"]
GradsKind = Literal["fresh", "kept"]

MEMORY_STEPS = 3
_BASE_LR = 1.0
# Lines of a failed trial's stderr that its error message quotes.
_STDERR_TAIL_LINES = 15


@dataclass(frozen=True)
class TrialSpec:
    """What a trial measures; it travels to the child process as JSON.

    ``implementations`` holds the one implementation a ``steady``, ``compiles`` or
    ``first-step`` trial measures, or every implementation a ``rounds`` trial times.
    """

    kind: TrialKind
    implementations: tuple[str, ...]
    workload: str
    quick: bool = False
    dtype: str = "fp32"
    device: str = "cpu"
    lr_kind: LrKind | None = None  # None: the implementation's recommended kind
    steps: int = 100
    rounds: int = 30
    threads: int | None = None  # None: torch's default
    grads: GradsKind = "fresh"  # see Settings.grads

    def __post_init__(self) -> None:
        if self.kind != "rounds" and len(self.implementations) != 1:
            raise ValueError(
                f"a {self.kind} trial measures one implementation, got {self.implementations}"
            )
        if not self.implementations:
            raise ValueError("a rounds trial needs at least one implementation, got none")

    @property
    def implementation(self) -> str:
        """The implementation a ``steady``, ``compiles`` or ``first-step`` trial measures."""
        (name,) = self.implementations
        return name

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrialSpec:
        return cls(**{**data, "implementations": tuple(data["implementations"])})


@dataclass
class TrialResult:
    """What a trial measured; ``error`` or ``timed_out_after`` (its timeout, in seconds) when it
    did not finish."""

    first_step_seconds: float | None = None
    rounds: HeadToHead | None = None
    peak_bytes: int | None = None
    compiles: CompileCount | None = None
    lr_kind: LrKind | None = None
    error: str | None = None
    timed_out_after: float | None = None
    wall_seconds: float | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrialResult:
        rounds = data.pop("rounds")
        compiles = data.pop("compiles")
        return cls(
            rounds=None if rounds is None else HeadToHead.from_json(rounds),
            compiles=None if compiles is None else CompileCount(**compiles),
            **data,
        )


def run_trial(
    spec: TrialSpec, *, timeout: float, inductor_cache_dir: str | None = None
) -> TrialResult:
    """Run ``spec`` in a fresh process and return what it measured.

    Args:
        spec: the trial.
        timeout: seconds after which the process (and what it started) is killed.
        inductor_cache_dir: the child's ``TORCHINDUCTOR_CACHE_DIR`` (Triton's cache goes
            inside it); None inherits this process's.
    """
    env = dict(os.environ)
    # The child imports what this process can import (the source tree, a user's --impl module).
    env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    if inductor_cache_dir is not None:
        env["TORCHINDUCTOR_CACHE_DIR"] = inductor_cache_dir
        env["TRITON_CACHE_DIR"] = str(Path(inductor_cache_dir) / "triton")
    with tempfile.TemporaryDirectory(prefix="adadelta-bench-") as scratch:
        result_path = Path(scratch) / "result.json"
        command = [
            sys.executable, "-m", __name__, json.dumps(asdict(spec)), str(result_path)
        ]  # fmt: skip
        start = time.perf_counter()
        # A session of its own, so a timeout can kill Inductor's compile workers with it.
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            _, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            return TrialResult(
                lr_kind=spec.lr_kind,
                timed_out_after=timeout,
                wall_seconds=time.perf_counter() - start,
            )
        wall_seconds = time.perf_counter() - start
        if child.returncode != 0 or not result_path.exists():
            tail = "\n".join(stderr.strip().splitlines()[-_STDERR_TAIL_LINES:])
            return TrialResult(
                lr_kind=spec.lr_kind,
                error=f"trial process exited with status {child.returncode}:\n{tail}",
                wall_seconds=wall_seconds,
            )
        result = TrialResult.from_json(json.loads(result_path.read_text()))
    result.wall_seconds = wall_seconds
    return result


def _lr_at(step: int, steps: int) -> float:
    """A cosine schedule from the base lr towards half of it: a new value every step."""
    return _BASE_LR * (0.75 + 0.25 * math.cos(math.pi * step / steps))


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _measure(spec: TrialSpec) -> TrialResult:
    """The child's side: build the workload and the optimizers, and measure."""
    workload = workload_named(spec.workload)
    if spec.quick:
        workload = workload.quick()
    if spec.kind == "rounds":
        rounds = run_rounds(
            workload, spec.implementations, rounds=spec.rounds, fresh_grads=spec.grads == "fresh",
            dtype=DTYPES[spec.dtype], device=spec.device,
        )  # fmt: skip
        return TrialResult(rounds=rounds)
    implementation = resolve(spec.implementation)
    device = torch.device(spec.device)
    lr_kind = spec.lr_kind or ("tensor" if implementation.tensor_lr else "float")
    lr = torch.tensor(_BASE_LR) if lr_kind == "tensor" else _BASE_LR

    def build() -> Stepper:
        return implementation.build(make_params(workload, DTYPES[spec.dtype], device), lr)

    result = TrialResult(lr_kind=lr_kind)

    if spec.kind == "first-step":
        stepper = build()
        _synchronize(device)
        start = time.perf_counter()
        stepper.step()
        _synchronize(device)
        result.first_step_seconds = time.perf_counter() - start
        return result

    count = spec.kind == "compiles" or implementation.may_compile
    steps = max(spec.steps, MEMORY_STEPS) if count else MEMORY_STEPS
    with counting_compiles() as counter:
        graphs_first_step = 0

        def run_steps(first: int, last: int) -> None:
            nonlocal graphs_first_step
            for step in range(first, last + 1):
                stepper.set_lr(_lr_at(step, steps))
                if spec.grads == "fresh":
                    stepper.renew_grads()
                stepper.step()
                if step == 1:
                    graphs_first_step = counter.graphs

        if spec.kind == "steady":
            # Tracked from before the params exist, so that memory the first steps free of
            # theirs (e.g. data moved into a flat buffer) counts too.
            with memory.tracking(device) as tracker:
                stepper = build()
                with tracker.measured():
                    run_steps(1, MEMORY_STEPS)
            result.peak_bytes = tracker.peak
            run_steps(MEMORY_STEPS + 1, steps)
        else:
            stepper = build()
            run_steps(1, steps)
        _synchronize(device)
        if count:
            result.compiles = counter.count(steps, graphs_first_step)
    return result


def _main(argv: list[str]) -> None:
    spec_json, result_path = argv
    spec = TrialSpec.from_json(json.loads(spec_json))
    if spec.threads is not None:
        torch.set_num_threads(spec.threads)
    try:
        result = _measure(spec)
    except Exception as error:  # reported as this trial's result; the benchmark goes on
        traceback.print_exc()
        result = TrialResult(lr_kind=spec.lr_kind, error=f"{type(error).__name__}: {error}")
    Path(result_path).write_text(json.dumps(asdict(result)))


if __name__ == "__main__":
    _main(sys.argv[1:])

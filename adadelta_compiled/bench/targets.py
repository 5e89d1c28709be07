"""The performance targets of adadelta_compiled (issue #23), checked against a run's results.

Each check compares one implementation (the candidate, adadelta_compiled by default) with a
limit, or with another implementation or the streaming kernel timed in the same rounds. A
figure the run did not measure is reported as "not measured", never as met; a first step that
timed out is missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .format import (
    NOT_MEASURED,
    format_bytes,
    format_multiple,
    format_seconds,
    format_trial_seconds,
)
from .results import Result
from .trial import LrKind

__all__ = [
    "COLD_FIRST_STEP_LIMIT",
    "COMPILED_TORCH_LIMITS",
    "STEP_TIME_TARGET",
    "STREAM_LIMITS",
    "WARM_FIRST_STEP_LIMIT",
    "TargetCheck",
    "check_targets",
]

# How every step-time target begins (the targets a --step-time-only run can check).
STEP_TIME_TARGET = "step time"
# Step time as a multiple of the streaming kernel's in the same rounds, by workload.
# Many small tensors: the bytes are few, and the per-tensor checks and bookkeeping (its grad,
# its state, its step counter; no two tensors may share memory) are not.
STREAM_LIMITS: dict[str, float] = {
    "resnet50": 1.1, "gpt2-small": 1.1, "many-small": 3.0, "one-big": 1.05
}  # fmt: skip
# Step time as a multiple of torch.compile'd torch's in the same rounds, by workload.
COMPILED_TORCH_LIMITS: dict[str, float] = {"resnet50": 0.97, "gpt2-small": 0.97, "one-big": 1.0}
COLD_FIRST_STEP_LIMIT = 6.0  # seconds
WARM_FIRST_STEP_LIMIT = 1.5  # seconds
TARGET_RECOMPILE_STEPS = 1000
COMPILED_TORCH = "torch-compiled"
# Peak memory: no higher than torch's CPU default's (the for-loop).
MEMORY_BASELINE = "torch-forloop"

Status = Literal["met", "missed", "not measured"]


@dataclass(frozen=True)
class TargetCheck:
    target: str
    workload: str
    measured: str
    status: Status


def _status(met: bool | None) -> Status:
    return "not measured" if met is None else ("met" if met else "missed")


def _stream(ours: Result | None, limit: float) -> tuple[str, bool | None]:
    roof = None if ours is None else ours.roofline
    if roof is None:
        return NOT_MEASURED, None
    return format_multiple(roof.multiple), roof.multiple <= limit


def _versus(ours: Result | None, theirs: Result | None, limit: float) -> tuple[str, bool | None]:
    mine = None if ours is None else ours.step_time
    other = None if theirs is None else theirs.step_time
    if mine is None or other is None:
        return NOT_MEASURED, None
    multiple = mine.median / other.median
    measured = (
        f"{format_multiple(multiple)} ({format_seconds(mine.median)} vs "
        f"{format_seconds(other.median)})"
    )
    return measured, multiple <= limit


def _first_step(ours: Result | None, cold: bool, limit: float) -> tuple[str, bool | None]:
    trial = None if ours is None else (ours.cold_first_step if cold else ours.warm_first_step)
    if trial is None:
        return NOT_MEASURED, None
    if trial.timed_out_after is not None:
        # It took longer than the timeout: a miss if that is beyond the limit, else unknown.
        return format_trial_seconds(trial), False if trial.timed_out_after >= limit else None
    seconds = trial.first_step_seconds
    return format_trial_seconds(trial), None if seconds is None else seconds <= limit


def _no_recompiles(ours: Result | None, lr_kind: LrKind) -> tuple[str, bool | None]:
    count = None if ours is None else ours.compiles(lr_kind)
    if count is None:
        return NOT_MEASURED, None
    measured = f"{count.recompiles} recompiles, {count.graphs} graphs in {count.steps} steps"
    if count.steps < TARGET_RECOMPILE_STEPS:
        measured += f" (target counts {TARGET_RECOMPILE_STEPS})"
    return measured, not count.compiles_after_first_step


def _memory(ours: Result | None, baseline: Result | None) -> tuple[str, bool | None]:
    mine = None if ours is None else ours.peak_bytes
    other = None if baseline is None else baseline.peak_bytes
    if mine is None or other is None:
        return NOT_MEASURED, None
    return f"{format_bytes(mine)} vs {format_bytes(other)}", mine <= other


def check_targets(results: list[Result], candidate: str) -> list[TargetCheck]:
    """Every target that applies to the run's workloads, for ``candidate``; none when the run
    did not measure ``candidate``."""
    if all(r.implementation != candidate for r in results):
        return []
    by_key = {(r.workload, r.implementation): r for r in results}
    checks: list[TargetCheck] = []
    for workload in dict.fromkeys(r.workload for r in results):
        ours = by_key.get((workload, candidate))
        outcomes: list[tuple[str, tuple[str, bool | None]]] = []
        if workload in COMPILED_TORCH_LIMITS:
            limit = COMPILED_TORCH_LIMITS[workload]
            theirs = by_key.get((workload, COMPILED_TORCH))
            outcomes.append(
                (f"{STEP_TIME_TARGET} <= {limit:g}x {COMPILED_TORCH}'s", _versus(ours, theirs, limit))
            )
        if workload in STREAM_LIMITS:
            limit = STREAM_LIMITS[workload]
            outcomes.append(
                (f"{STEP_TIME_TARGET} <= {limit:g}x the streaming kernel's", _stream(ours, limit))
            )
        outcomes += [
            (f"cold first step <= {COLD_FIRST_STEP_LIMIT:g} s",
             _first_step(ours, True, COLD_FIRST_STEP_LIMIT)),
            (f"warm first step <= {WARM_FIRST_STEP_LIMIT:g} s",
             _first_step(ours, False, WARM_FIRST_STEP_LIMIT)),
            ("no recompiles, float lr changing every step", _no_recompiles(ours, "float")),
            ("no recompiles, Tensor lr changing every step", _no_recompiles(ours, "tensor")),
            (f"peak memory <= {MEMORY_BASELINE}'s",
             _memory(ours, by_key.get((workload, MEMORY_BASELINE)))),
        ]  # fmt: skip
        checks += [
            TargetCheck(target, workload, measured, _status(met))
            for target, (measured, met) in outcomes
        ]
    return checks

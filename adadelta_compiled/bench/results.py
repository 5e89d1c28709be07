"""What a run measured for one implementation on one workload, and the figures derived from it."""

from __future__ import annotations

from dataclasses import dataclass

from .compiles import CompileCount
from .rounds import HeadToHead, RoundTimes
from .roofline import Roofline, roofline
from .trial import LrKind, TrialResult

__all__ = ["Result"]


@dataclass
class Result:
    """One implementation on one workload.

    Attributes:
        workload, implementation: the names.
        numel, tensors: the workload's element and tensor counts (as run, e.g. ``--quick``).
        rounds: the workload's ``rounds`` trial, shared with the run's other implementations
            (not among :meth:`trials`); None when no implementation was timed on the workload.
        steady: the ``steady`` trial (lr kind recommended for the implementation); None with
            ``--step-time-only``.
        other_lr: the ``compiles`` trial with the other lr kind; None when not run.
        cold_first_step, warm_first_step: ``first-step`` trials; None when not run.
    """

    workload: str
    implementation: str
    numel: int
    tensors: int
    rounds: TrialResult | None
    steady: TrialResult | None = None
    other_lr: TrialResult | None = None
    cold_first_step: TrialResult | None = None
    warm_first_step: TrialResult | None = None

    @property
    def _head_to_head(self) -> HeadToHead | None:
        return None if self.rounds is None else self.rounds.rounds

    @property
    def step_time(self) -> RoundTimes | None:
        """This implementation's step time in the rounds; None when it was not timed."""
        measured = self._head_to_head
        return None if measured is None else measured.steps.get(self.implementation)

    @property
    def stream_time(self) -> RoundTimes | None:
        """The streaming kernel's time in the same rounds: the step's bandwidth bound."""
        measured = self._head_to_head
        return None if measured is None else measured.stream

    @property
    def launches_per_step(self) -> float | None:
        """CUDA kernel launches per step; None on the CPU or when not timed."""
        measured = self._head_to_head
        return None if measured is None else measured.launches_per_step.get(self.implementation)

    @property
    def roofline(self) -> Roofline | None:
        step, stream = self.step_time, self.stream_time
        return None if step is None or stream is None else roofline(step.median, stream.median)

    @property
    def peak_bytes(self) -> int | None:
        return None if self.steady is None else self.steady.peak_bytes

    def counting_trial(self, lr_kind: LrKind) -> TrialResult | None:
        """The trial that counted graphs and recompiles with a float or a Tensor lr."""
        for trial in (self.steady, self.other_lr):
            if trial is not None and trial.lr_kind == lr_kind:
                return trial
        return None

    def compiles(self, lr_kind: LrKind) -> CompileCount | None:
        """Graph and recompile counts with a float or a Tensor lr, where measured."""
        trial = self.counting_trial(lr_kind)
        return None if trial is None else trial.compiles

    def trials(self) -> dict[str, TrialResult]:
        """This implementation's own trials that ran, by role."""
        roles = {
            "steady": self.steady,
            "other_lr": self.other_lr,
            "cold_first_step": self.cold_first_step,
            "warm_first_step": self.warm_first_step,
        }
        return {role: trial for role, trial in roles.items() if trial is not None}

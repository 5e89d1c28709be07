"""What a run measured for one implementation on one workload, and the figures derived from it."""

from __future__ import annotations

from dataclasses import dataclass

from .compiles import CompileCount
from .roofline import Roofline, roofline
from .trial import LrKind, TrialResult

__all__ = ["Result"]


@dataclass
class Result:
    """One implementation on one workload.

    Attributes:
        workload, implementation: the names.
        numel, tensors: the workload's element and tensor counts (as run, e.g. ``--quick``).
        bound_seconds: the workload's bandwidth-bound step time.
        steady: the ``steady`` trial (lr kind recommended for the implementation).
        other_lr: the ``compiles`` trial with the other lr kind; None when not run.
        cold_first_step, warm_first_step: ``first-step`` trials; None when not run.
    """

    workload: str
    implementation: str
    numel: int
    tensors: int
    bound_seconds: float
    steady: TrialResult
    other_lr: TrialResult | None = None
    cold_first_step: TrialResult | None = None
    warm_first_step: TrialResult | None = None

    @property
    def median_seconds(self) -> float | None:
        return None if self.steady.step_time is None else self.steady.step_time.median

    @property
    def roofline(self) -> Roofline | None:
        median = self.median_seconds
        return None if median is None else roofline(median, self.bound_seconds)

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
        """The trials that ran, by role."""
        roles = {
            "steady": self.steady,
            "other_lr": self.other_lr,
            "cold_first_step": self.cold_first_step,
            "warm_first_step": self.warm_first_step,
        }
        return {role: trial for role, trial in roles.items() if trial is not None}

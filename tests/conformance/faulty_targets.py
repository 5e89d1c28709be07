"""Faulty targets for the conformance suite's own tests of its CLI, plugin and API.

(The catalogue of one-bug-each implementations the checks must flag is broken.py.)
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Any

import torch

from conformance.specs.adadelta import ADADELTA

NOT_CALLABLE = 3


class IgnoresWeightDecay(torch.optim.Adadelta):
    """Stores weight_decay but steps as if it were 0."""

    def step(self, closure: Any = None) -> Any:
        decays = [group["weight_decay"] for group in self.param_groups]
        for group in self.param_groups:
            group["weight_decay"] = 0.0
        try:
            return super().step(closure)
        finally:
            for group, decay in zip(self.param_groups, decays, strict=True):
                group["weight_decay"] = decay


class RaisesInConstructor(torch.optim.Adadelta):
    """Cannot be built at all."""

    def __init__(self, params: Any, **options: Any) -> None:
        raise RuntimeError("this optimizer is not configured")


class HangsInClosure(torch.optim.Adadelta):
    """step(closure) never returns; every other step is torch's."""

    def step(self, closure: Any = None) -> Any:
        if closure is not None:
            time.sleep(3600)
        return super().step(closure)


class CrashesInStateDict(torch.optim.Adadelta):
    """state_dict() kills the interpreter, as a segfaulting extension would."""

    def state_dict(self) -> dict[str, Any]:
        os._exit(70)


def _oracle_that_raises(*arguments: Any) -> Any:
    raise ZeroDivisionError("a bug in the spec's own oracle")


# A spec whose float64 oracle crashes: a fault of the suite's side, never the implementation's.
ORACLE_RAISES = dataclasses.replace(ADADELTA, update=_oracle_that_raises)

"""Faulty targets for the conformance suite's own tests of its CLI, plugin and API.

(The catalogue of one-bug-each implementations the checks must flag is broken.py.)
"""

from __future__ import annotations

from typing import Any

import torch

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

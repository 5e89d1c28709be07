"""torch-optimi 0.3.3 SGD's dampening is a bool ("Use dampening for momentum update"): τ = μ or
nothing, never torch.optim.SGD's factor τ (dampening=0.3 is taken as True)."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, params_after

sys.exit(compare(
    "params after 5 steps, lr=0.1, momentum=0.9, dampening=0.3",
    params_after(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.3)),
    params_after(lambda p: optimi.SGD(p, lr=0.1, momentum=0.9, dampening=0.3, torch_init=True, kahan_sum=False)),
    ulps=8,
))

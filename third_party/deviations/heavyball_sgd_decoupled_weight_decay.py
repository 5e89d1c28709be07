"""heavyball 3.2.1 SGD decays weights decoupled, θ <- θ(1 - γλ) - γ·u; torch.optim.SGD adds λθ to
the grad before momentum. Without momentum the two agree up to rounding; with it they part."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, params_after

sys.exit(compare(
    "params after 5 steps, lr=0.1, momentum=0.9, weight_decay=0.1",
    params_after(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1)),
    params_after(lambda p: heavyball.SGD(p, lr=0.1, beta=0.9, weight_decay=0.1, consume_grad=False)),
    ulps=8,
))

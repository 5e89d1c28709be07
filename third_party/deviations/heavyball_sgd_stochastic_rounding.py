"""heavyball 3.2.1 SGD writes bfloat16 params back with stochastic rounding: plain SGD (momentum 0)
on bf16 params leaves torch.optim.SGD's round-to-nearest values by whole bf16 steps."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, params_after

sys.exit(compare(
    "bfloat16 params after 5 steps, lr=0.1",
    params_after(lambda p: torch.optim.SGD(p, lr=0.1), dtype=torch.bfloat16),
    params_after(lambda p: heavyball.SGD(p, lr=0.1, beta=0.0, consume_grad=False), dtype=torch.bfloat16),
))

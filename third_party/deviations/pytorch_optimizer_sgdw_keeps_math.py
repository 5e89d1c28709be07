"""pytorch-optimizer 4.1.0 SGDW(weight_decouple=False) keeps torch.optim.SGD's param values bit
for bit with an explicit lr: momentum, dampening, nesterov, L2 weight_decay, maximize, foreach."""

import sys

import torch
from pytorch_optimizer import SGDW

from third_party.deviations.side_by_side import compare, params_after, worst

CASES = [{}, {"momentum": 0.9}, {"momentum": 0.9, "dampening": 0.3}, {"momentum": 0.9, "nesterov": True},
         {"weight_decay": 0.1}, {"momentum": 0.9, "weight_decay": 0.1}, {"maximize": True, "weight_decay": 0.1}]
codes = [
    compare(
        f"params after 5 steps, lr=0.1, {options}, foreach={foreach}, {dtype}",
        params_after(lambda p: torch.optim.SGD(p, lr=0.1, foreach=foreach, **options), dtype=dtype),
        params_after(lambda p: SGDW(p, lr=0.1, foreach=foreach, weight_decouple=False, **options), dtype=dtype),
    )
    for options in CASES
    for foreach in (False, True)
    for dtype in (torch.float32, torch.float64, torch.complex64)
]
sys.exit(worst(*codes))

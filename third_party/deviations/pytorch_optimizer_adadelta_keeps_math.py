"""pytorch-optimizer 4.1.0 AdaDelta keeps torch.optim.Adadelta's param values bit for bit (explicit
lr; defaults, weight_decay, maximize, both; foreach and for-loop; complex64, float64, bfloat16)."""

import sys

import torch
from pytorch_optimizer import AdaDelta

from third_party.deviations.side_by_side import compare, params_after, worst

CASES = [{}, {"weight_decay": 0.1}, {"maximize": True}, {"weight_decay": 0.1, "maximize": True}, {"rho": 0.5, "eps": 1e-3}]
codes = [
    compare(
        f"params after 5 steps, lr=0.5, {options}, foreach={foreach}, {dtype}",
        params_after(lambda p: torch.optim.Adadelta(p, lr=0.5, foreach=foreach, **options), dtype=dtype),
        params_after(lambda p: AdaDelta(p, lr=0.5, foreach=foreach, **options), dtype=dtype),
    )
    for options in CASES
    for foreach in (False, True)
    for dtype in (torch.float32, torch.float64, torch.bfloat16, torch.complex64)
]
sys.exit(worst(*codes))

"""pytorch-optimizer 4.1.0 StableAdamW clips its update (no switch turns that off), so even with
torch's betas, eps and no Kahan summation its params leave torch.optim.AdamW's."""

import sys

import torch
from pytorch_optimizer import StableAdamW

from third_party.deviations.side_by_side import compare, params_after

sys.exit(compare(
    "params after 5 steps, lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01",
    params_after(lambda p: torch.optim.AdamW(p, lr=0.1)),
    params_after(lambda p: StableAdamW(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, kahan_sum=False)),
    ulps=8,
))

"""pytorch-optimizer 4.1.0 StableAdamW: a Tensor lr of shape (1,) with a 0-d param raises
RuntimeError ('output with shape [] doesn't match the broadcast shape [1]'); torch.optim.AdamW's
for-loop path takes it (its foreach path needs capturable=True for a Tensor lr, as torch
documents)."""

import sys

import torch
from pytorch_optimizer import StableAdamW

from third_party.deviations.side_by_side import compare, params_after

sys.exit(compare(
    "AdamW, lr=tensor([0.01]), a 0-d and a (5,) param: params after 5 steps",
    params_after(lambda p: torch.optim.AdamW(p, lr=torch.tensor([0.01]), foreach=False), shapes=[(), (5,)]),
    params_after(lambda p: StableAdamW(p, lr=torch.tensor([0.01]), kahan_sum=False), shapes=[(), (5,)]),
))

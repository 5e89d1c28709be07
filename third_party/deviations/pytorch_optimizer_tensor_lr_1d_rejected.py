"""pytorch-optimizer 4.1.0 AdaDelta and SGDW: a Tensor lr of shape (1,), which torch takes, raises
(RuntimeError on the foreach path, TypeError on the for-loop)."""

import sys

import torch
from pytorch_optimizer import SGDW, AdaDelta

from third_party.deviations.side_by_side import compare, params_after, worst

codes = []
for foreach in (True, False):
    codes.append(compare(
        f"Adadelta, lr=tensor([0.5]), foreach={foreach}: params after 5 steps",
        params_after(lambda p: torch.optim.Adadelta(p, lr=torch.tensor([0.5]), foreach=foreach)),
        params_after(lambda p: AdaDelta(p, lr=torch.tensor([0.5]), foreach=foreach)),
    ))
    codes.append(compare(
        f"SGD, lr=tensor([0.1]), foreach={foreach}: params after 5 steps",
        params_after(lambda p: torch.optim.SGD(p, lr=torch.tensor([0.1]), foreach=foreach)),
        params_after(lambda p: SGDW(p, lr=torch.tensor([0.1]), foreach=foreach, weight_decouple=False)),
    ))
sys.exit(worst(*codes))

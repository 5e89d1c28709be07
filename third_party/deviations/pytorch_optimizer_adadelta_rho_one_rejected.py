"""pytorch-optimizer 4.1.0 AdaDelta rejects ρ = 1, which torch.optim.Adadelta accepts (0 <= ρ <= 1)."""

import sys

import torch
from pytorch_optimizer import AdaDelta

from third_party.deviations.side_by_side import compare, params_after

sys.exit(compare(
    "rho=1.0: params after 5 steps",
    params_after(lambda p: torch.optim.Adadelta(p, lr=0.5, rho=1.0)),
    params_after(lambda p: AdaDelta(p, lr=0.5, rho=1.0)),
))

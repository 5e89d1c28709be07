"""pytorch-optimizer 4.1.0 validates with its own exceptions and messages, and accepts a NaN lr
that torch rejects."""

import sys

import torch
from pytorch_optimizer import AdaDelta, StableAdamW

from third_party.deviations.side_by_side import compare, raised, worst


def built(cls, **options):
    return raised(lambda: cls([torch.zeros(2, requires_grad=True)], **options))


sys.exit(worst(
    compare("Adadelta(lr=-1.0)", built(torch.optim.Adadelta, lr=-1.0), built(AdaDelta, lr=-1.0)),
    compare("Adadelta(lr=nan)", built(torch.optim.Adadelta, lr=float("nan")), built(AdaDelta, lr=float("nan"))),
    compare("Adadelta(rho=-0.1)", built(torch.optim.Adadelta, rho=-0.1), built(AdaDelta, rho=-0.1)),
    compare("AdamW(eps=-1e-8)", built(torch.optim.AdamW, eps=-1e-8), built(StableAdamW, eps=-1e-8)),
))

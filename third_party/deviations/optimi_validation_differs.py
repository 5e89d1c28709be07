"""torch-optimi 0.3.3 validates with other messages ('Invalid learning rate: lr=-1.0'), and SGD
rejects a NaN lr that torch.optim.SGD accepts."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, raised, worst


def built(cls, **options):
    return raised(lambda: cls([torch.zeros(2, requires_grad=True)], **options))


sys.exit(worst(
    compare("Adam(lr=-1.0)", built(torch.optim.Adam, lr=-1.0), built(optimi.Adam, lr=-1.0)),
    compare("Adam(lr=1e-3, eps=-1e-8)", built(torch.optim.Adam, lr=1e-3, eps=-1e-8), built(optimi.Adam, lr=1e-3, eps=-1e-8)),
    compare("SGD(lr=nan)", built(torch.optim.SGD, lr=float("nan")), built(optimi.SGD, lr=float("nan"))),
))

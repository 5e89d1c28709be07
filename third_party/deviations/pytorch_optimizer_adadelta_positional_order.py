"""pytorch-optimizer 4.1.0 AdaDelta takes (lr, rho, weight_decay, weight_decouple, fixed_decay,
eps) positionally; torch.optim.Adadelta takes (lr, rho, eps, weight_decay)."""

import sys

import inspect

import torch
from pytorch_optimizer import AdaDelta

from third_party.deviations.side_by_side import compare


def positional(cls):
    return [n for n, p in inspect.signature(cls).parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD][1:5]


sys.exit(compare("first four positional arguments after params", positional(torch.optim.Adadelta), positional(AdaDelta)))

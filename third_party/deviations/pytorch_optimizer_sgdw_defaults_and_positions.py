"""pytorch-optimizer 4.1.0 SGDW: lr defaults to 1e-4 (torch.optim.SGD: 1e-3), and its positional
order is lr, momentum, weight_decay, weight_decouple, dampening, nesterov."""

import sys

import inspect

import torch
from pytorch_optimizer import SGDW

from third_party.deviations.side_by_side import compare, worst


def positional(cls):
    return [n for n, p in inspect.signature(cls).parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD][1:6]


param = torch.zeros(1, requires_grad=True)
sys.exit(worst(
    compare("default lr", torch.optim.SGD([param]).param_groups[0]["lr"], SGDW([param]).param_groups[0]["lr"]),
    compare("positional arguments after params", positional(torch.optim.SGD), positional(SGDW)),
))

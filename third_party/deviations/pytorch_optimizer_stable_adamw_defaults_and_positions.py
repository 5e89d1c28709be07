"""pytorch-optimizer 4.1.0 StableAdamW: betas default (0.9, 0.99) (torch.optim.AdamW: (0.9, 0.999));
positional order lr, betas, kahan_sum, weight_decay, weight_decouple, eps."""

import sys

import inspect

import torch
from pytorch_optimizer import StableAdamW

from third_party.deviations.side_by_side import compare, worst


def positional(cls):
    return [n for n, p in inspect.signature(cls).parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD][1:5]


param = torch.zeros(1, requires_grad=True)
sys.exit(worst(
    compare("default betas", torch.optim.AdamW([param]).param_groups[0]["betas"], StableAdamW([param]).param_groups[0]["betas"]),
    compare("positional arguments after params", positional(torch.optim.AdamW), positional(StableAdamW)),
))

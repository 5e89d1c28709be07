"""pytorch-optimizer 4.1.0 keeps maximize on the optimizer (self.maximize), not in each param
group: the group lacks the option, and a group's own maximize=True is ignored."""

import sys

import torch
from pytorch_optimizer import SGDW, AdaDelta

from third_party.deviations.side_by_side import compare, params_after, worst


def two_groups(cls, **options):
    return lambda p: cls([{"params": p[:1]}, {"params": p[1:], "maximize": True}], lr=0.1, **options)


sys.exit(worst(
    compare("Adadelta: param_groups[0].get('maximize')",
            torch.optim.Adadelta([torch.zeros(1, requires_grad=True)]).param_groups[0].get("maximize"),
            AdaDelta([torch.zeros(1, requires_grad=True)]).param_groups[0].get("maximize")),
    compare("Adadelta: second group has maximize=True, params after 5 steps",
            params_after(two_groups(torch.optim.Adadelta)), params_after(two_groups(AdaDelta))),
    compare("SGD: second group has maximize=True, params after 5 steps",
            params_after(two_groups(torch.optim.SGD)), params_after(two_groups(SGDW, weight_decouple=False))),
))

"""bitsandbytes 0.50.2 SGD has no default lr and raises NotImplementedError('SGD without momentum is
not supported!') for momentum = 0, torch.optim.SGD's default: plain SGD cannot be built."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, raised, worst

sys.exit(worst(
    compare("SGD(params) with every default", raised(lambda: torch.optim.SGD([torch.zeros(1, requires_grad=True)])),
            raised(lambda: bnb.optim.SGD([torch.zeros(1, requires_grad=True)]))),
    compare("params after 5 steps, lr=0.1 (momentum 0)", params_after(lambda p: torch.optim.SGD(p, lr=0.1)),
            params_after(lambda p: bnb.optim.SGD(p, lr=0.1))),
))

"""bitsandbytes 0.50.2 RMSprop keeps alpha as its group's betas[0] ('alpha' is not a group key):
a group's own alpha, or one assigned in param_groups, is ignored."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, worst


def alpha_changed_at_step_3(optimizer, step):
    if step == 3:
        optimizer.param_groups[0]["alpha"] = 0.5


def own_alpha(cls):
    return lambda p: cls([{"params": p[:1]}, {"params": p[1:], "alpha": 0.5}], lr=0.01)


sys.exit(worst(
    compare("params after 5 steps, alpha assigned in param_groups before step 3",
            params_after(lambda p: torch.optim.RMSprop(p, lr=0.01), between=alpha_changed_at_step_3),
            params_after(lambda p: bnb.optim.RMSprop(p, lr=0.01), between=alpha_changed_at_step_3), ulps=16),
    compare("params after 5 steps, second group with alpha=0.5",
            params_after(own_alpha(torch.optim.RMSprop)), params_after(own_alpha(bnb.optim.RMSprop)), ulps=16),
))

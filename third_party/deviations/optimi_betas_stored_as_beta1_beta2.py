"""torch-optimi 0.3.3 Adam/AdamW store 'beta1' and 'beta2' in each group, not 'betas': a group's own
betas, or betas assigned in param_groups (as schedulers and torch's state_dicts do), are ignored."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, params_after, worst


def betas_changed_at_step_3(optimizer, step):
    if step == 3:
        optimizer.param_groups[0]["betas"] = (0.5, 0.9)


def own_betas(build):
    return lambda p: build([{"params": p[:1]}, {"params": p[1:], "betas": (0.5, 0.9)}])


sys.exit(worst(
    compare("params after 5 steps, second group with betas=(0.5, 0.9)",
            params_after(own_betas(lambda groups: torch.optim.Adam(groups, lr=0.1))),
            params_after(own_betas(lambda groups: optimi.Adam(groups, lr=0.1, betas=(0.9, 0.999), eps=1e-8, kahan_sum=False))), ulps=16),
    compare("'betas' in param_groups[0]", "betas" in torch.optim.Adam([torch.zeros(1, requires_grad=True)]).param_groups[0],
            "betas" in optimi.Adam([torch.zeros(1, requires_grad=True)], lr=1e-3).param_groups[0]),
    compare("params after 5 steps, betas assigned in param_groups before step 3",
            params_after(lambda p: torch.optim.Adam(p, lr=0.1), between=betas_changed_at_step_3),
            params_after(lambda p: optimi.Adam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8, kahan_sum=False), between=betas_changed_at_step_3),
            ulps=8),
))

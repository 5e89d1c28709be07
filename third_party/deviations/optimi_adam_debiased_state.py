"""torch-optimi 0.3.3 Adam/AdamW keep the debiased averages in state (debias_beta): exp_avg and
exp_avg_sq are m̂_t and v̂_t, not torch.optim.Adam's m_t and v_t; the params agree."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, stepped, worst

reference = stepped(lambda p: torch.optim.Adam(p, lr=0.1))
library = stepped(lambda p: optimi.Adam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8, kahan_sum=False))


def buffer(run, key):
    return [run.optimizer.state[p][key] for p in run.optimizer.param_groups[0]["params"]]


sys.exit(worst(
    compare("state['exp_avg'] after 5 steps", buffer(reference, "exp_avg"), buffer(library, "exp_avg"), ulps=8),
    compare("state['exp_avg_sq'] after 5 steps", buffer(reference, "exp_avg_sq"), buffer(library, "exp_avg_sq"), ulps=8),
))

"""heavyball 3.2.1 RMSprop is "Debiased RMSprop (not torch.optim.RMSprop)": with alpha as its
betas[1] and torch's other hyperparameters its params part from torch.optim.RMSprop's."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, params_after

sys.exit(compare(
    "params after 5 steps, lr=0.01, alpha=0.99, eps=1e-8",
    params_after(lambda p: torch.optim.RMSprop(p, lr=0.01)),
    params_after(lambda p: heavyball.RMSprop(p, lr=0.01, betas=(0.9, 0.99), eps=1e-8, consume_grad=False)),
    ulps=8,
))

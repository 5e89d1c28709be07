"""pytorch-optimizer 4.1.0 StableAdamW keeps a 'kahan_comp' entry in state[p] even with
kahan_sum=False (torch.optim.AdamW: exp_avg, exp_avg_sq, step)."""

import sys

import torch
from pytorch_optimizer import StableAdamW

from third_party.deviations.side_by_side import compare, state_keys

torch_keys = set(state_keys(lambda p: torch.optim.AdamW(p))) - {"step"}
library_keys = set(state_keys(lambda p: StableAdamW(p, kahan_sum=False))) - {"step"}
sys.exit(compare("buffer names in state[p] (step aside)", sorted(torch_keys), sorted(library_keys)))

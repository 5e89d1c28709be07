"""bitsandbytes 0.50.2 names its state 'state1' / 'state2' (torch: exp_avg, exp_avg_sq, sum,
square_avg, momentum_buffer): state_dicts do not load across, either way."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, state_keys, step_after_loading, worst

PAIRS = [(torch.optim.Adam, bnb.optim.Adam, {}), (torch.optim.Adagrad, bnb.optim.Adagrad, {}),
         (torch.optim.RMSprop, bnb.optim.RMSprop, {}), (torch.optim.SGD, bnb.optim.SGD, {"momentum": 0.9})]
codes = []
for reference, library, options in PAIRS:
    name = reference.__name__
    codes.append(compare(f"{name}: buffer names in state[p] (step aside)",
                         [k for k in state_keys(lambda p: reference(p, lr=0.01, **options)) if k != "step"],
                         [k for k in state_keys(lambda p: library(p, lr=0.01, **options)) if k != "step"]))
codes.append(compare("Adam: torch's state_dict loaded, then step()",
                     step_after_loading(lambda p: torch.optim.Adam(p), lambda p: torch.optim.Adam(p)),
                     step_after_loading(lambda p: torch.optim.Adam(p), lambda p: bnb.optim.Adam(p))))
codes.append(compare("Adam: its state_dict loaded into torch.optim.Adam, then step()",
                     step_after_loading(lambda p: torch.optim.Adam(p), lambda p: torch.optim.Adam(p)),
                     step_after_loading(lambda p: bnb.optim.Adam(p), lambda p: torch.optim.Adam(p))))
sys.exit(worst(*codes))

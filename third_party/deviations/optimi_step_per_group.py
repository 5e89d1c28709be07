"""torch-optimi 0.3.3 counts steps per group ("calculate the debias term per parameter group, not
per parameter"): state[p] has no 'step', a param first stepped late is debiased with the group's
count, and torch cannot continue from its state_dict."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, params_after, state_keys, step_after_loading, worst


def adam(p):
    return optimi.Adam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8, kahan_sum=False)


sys.exit(worst(
    compare("Adam: keys of state[p]", state_keys(lambda p: torch.optim.Adam(p, lr=0.1)), state_keys(adam)),
    compare("Adam: params after 5 steps, the second param's grad None at step 1",
            params_after(lambda p: torch.optim.Adam(p, lr=0.1), none_grads={1: [1]}), params_after(adam, none_grads={1: [1]}), ulps=8),
    compare("Adam: its state_dict loaded into torch.optim.Adam, then step()",
            step_after_loading(lambda p: torch.optim.Adam(p), lambda p: torch.optim.Adam(p)),
            step_after_loading(adam, lambda p: torch.optim.Adam(p))),
))

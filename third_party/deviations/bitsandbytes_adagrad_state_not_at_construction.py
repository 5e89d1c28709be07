"""bitsandbytes 0.50.2 Adagrad creates a param's state at its first step; torch.optim.Adagrad
creates every param's state (step, sum) in its constructor."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare


def keys_before_any_step(cls):
    param = torch.zeros(3, requires_grad=True)
    return sorted(cls([param], lr=0.01).state.get(param, {}))


sys.exit(compare("keys of state[p] right after construction", keys_before_any_step(torch.optim.Adagrad), keys_before_any_step(bnb.optim.Adagrad)))

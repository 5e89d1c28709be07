"""heavyball 3.2.1: a Tensor lr of shape (1,), which torch takes, crashes the compiled update of a
0-d param (TorchRuntimeError: copy_ of a (1,) tensor into a 0-d one)."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, params_after, worst


def first_line(outcome):
    return outcome.split("\n")[0][:100] if isinstance(outcome, str) else outcome


PAIRS = [(torch.optim.SGD, heavyball.SGD, {"beta": 0.0}), (torch.optim.AdamW, heavyball.AdamW, {})]
sys.exit(worst(*(
    compare(f"{reference.__name__}: a 0-d param after 2 steps, lr=tensor([0.01])",
            first_line(params_after(lambda p: reference(p, lr=torch.tensor([0.01])), shapes=((),), steps=2)),
            first_line(params_after(lambda p: library(p, lr=torch.tensor([0.01]), consume_grad=False, **options), shapes=((),), steps=2)),
            ulps=16)
    for reference, library, options in PAIRS
)))

"""heavyball 3.2.1 validates no argument: what torch.optim rejects is accepted."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, raised, worst


def built(cls, **options):
    return raised(lambda: cls([torch.zeros(2, requires_grad=True)], **options))


CASES = [{"lr": -1.0}, {"lr": float("nan")}, {"eps": -1e-8}, {"weight_decay": -0.1}, {"betas": (0.9, 1.5)}]
sys.exit(worst(*(compare(f"AdamW({options})", built(torch.optim.AdamW, **options), built(heavyball.AdamW, **options)) for options in CASES)))

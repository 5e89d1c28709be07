"""bitsandbytes 0.50.2 lacks maximize, differentiable, foreach (and Adam's decoupled_weight_decay):
passing them raises TypeError; groups store 'betas', 'alpha', 't_alpha', ... instead of torch's
options."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, group_options, raised, worst


def built(cls, **options):
    return raised(lambda: cls([torch.zeros(2, requires_grad=True)], lr=0.1, **options))


PAIRS = [(torch.optim.Adam, bnb.optim.Adam), (torch.optim.Adagrad, bnb.optim.Adagrad), (torch.optim.RMSprop, bnb.optim.RMSprop)]
codes = [
    compare(f"{reference.__name__}({options})", built(reference, **options), built(library, **options))
    for reference, library in PAIRS
    for options in ({"maximize": True}, {"differentiable": True})
]
codes.append(compare("Adam(decoupled_weight_decay=True)", built(torch.optim.Adam, decoupled_weight_decay=True),
                     built(bnb.optim.Adam, decoupled_weight_decay=True)))
codes += [
    compare(f"{reference.__name__}: options stored in a group", group_options(lambda p: reference(p, lr=0.1)), group_options(lambda p: library(p, lr=0.1)))
    for reference, library in PAIRS
]
sys.exit(worst(*codes))

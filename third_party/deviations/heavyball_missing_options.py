"""heavyball 3.2.1: torch's options that the classes lack raise TypeError (SGD: dampening,
nesterov, maximize, differentiable; AdamW: amsgrad, maximize, differentiable; RMSprop: momentum,
centered, maximize, differentiable), and groups store none of torch's flags."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, group_options, raised, worst


def built(cls, **options):
    return raised(lambda: cls([torch.zeros(2, requires_grad=True)], lr=0.1, **options))


MISSING = {
    (torch.optim.SGD, heavyball.SGD): [{"dampening": 0.5}, {"nesterov": True, "momentum": 0.9}, {"maximize": True}, {"differentiable": True}],
    (torch.optim.AdamW, heavyball.AdamW): [{"amsgrad": True}, {"maximize": True}, {"differentiable": True}],
    (torch.optim.RMSprop, heavyball.RMSprop): [{"momentum": 0.9}, {"centered": True}, {"maximize": True}, {"differentiable": True}],
}
codes = [
    compare(f"{reference.__name__}({options})", built(reference, **options), built(library, **options))
    for (reference, library), cases in MISSING.items()
    for options in cases
]
codes += [
    compare(f"{reference.__name__}: options stored in a group",
            group_options(lambda p: reference(p, lr=0.1)), group_options(lambda p: library(p, lr=0.1)))
    for reference, library in MISSING
]
sys.exit(worst(*codes))

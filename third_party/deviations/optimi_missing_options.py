"""torch-optimi 0.3.3 lacks maximize, differentiable, capturable, fused (and Adam's amsgrad, SGD's
nesterov): passing them raises TypeError, and groups do not store them."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, group_options, raised, worst


def built(cls, **options):
    return raised(lambda: cls([torch.zeros(2, requires_grad=True)], lr=0.1, **options))


CASES = {
    (torch.optim.Adam, optimi.Adam): [{"maximize": True}, {"amsgrad": True}, {"differentiable": True}],
    (torch.optim.SGD, optimi.SGD): [{"maximize": True}, {"nesterov": True, "momentum": 0.9}, {"differentiable": True}],
}
codes = [
    compare(f"{reference.__name__}({options})", built(reference, **options), built(library, **options))
    for (reference, library), cases in CASES.items()
    for options in cases
]
codes += [
    compare(f"{reference.__name__}: options stored in a group",
            group_options(lambda p: reference(p, lr=0.1)), group_options(lambda p: library(p, lr=0.1)))
    for reference, library in CASES
]
sys.exit(worst(*codes))

"""bitsandbytes 0.50.2 validates otherwise than torch.optim: a multi-element Tensor lr raises
RuntimeError ("Boolean value of Tensor ..."), RMSprop reports alpha and momentum as "beta
parameter at index 0 / 1", Adagrad refuses lr_decay instead of validating it."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, raised, worst


def built(cls, **options):
    return raised(lambda: cls([torch.zeros(2, requires_grad=True)], **options))


CASES = [
    (torch.optim.Adam, bnb.optim.Adam, {"lr": torch.tensor([0.1, 0.2])}),
    (torch.optim.RMSprop, bnb.optim.RMSprop, {"alpha": -0.1}),
    (torch.optim.RMSprop, bnb.optim.RMSprop, {"momentum": -0.1}),
    (torch.optim.Adagrad, bnb.optim.Adagrad, {"lr_decay": -0.1}),
]
sys.exit(worst(*(
    compare(f"{reference.__name__}({options})", built(reference, **options), built(library, **options))
    for reference, library, options in CASES
)))

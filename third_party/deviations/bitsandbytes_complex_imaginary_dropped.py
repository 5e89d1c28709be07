"""bitsandbytes 0.50.2 steps complex params through g.float() and p.data.float(): the imaginary
part is dropped instead of being stepped as torch.view_as_real(param)."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

PAIRS = [(torch.optim.Adam, bnb.optim.Adam, {}), (torch.optim.Adagrad, bnb.optim.Adagrad, {}), (torch.optim.RMSprop, bnb.optim.RMSprop, {})]
sys.exit(worst(*(
    compare(f"{reference.__name__}: complex64 params after 5 steps, lr=0.01",
            params_after(lambda p: reference(p, lr=0.01, **options), dtype=torch.complex64),
            params_after(lambda p: library(p, lr=0.01, **options), dtype=torch.complex64), ulps=16)
    for reference, library, options in PAIRS
)))

"""bitsandbytes 0.50.2 fails on sparse grads with RuntimeError('unsupported memory format option
Contiguous'): Adagrad and SGD reject what torch's step; Adam and RMSprop do not raise torch's
message."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, sparse_step, worst

PAIRS = [(torch.optim.Adam, bnb.optim.Adam, {}), (torch.optim.RMSprop, bnb.optim.RMSprop, {}),
         (torch.optim.Adagrad, bnb.optim.Adagrad, {}), (torch.optim.SGD, bnb.optim.SGD, {"momentum": 0.9})]
sys.exit(worst(*(
    compare(f"{reference.__name__}{options or ''}: step() with a sparse grad",
            sparse_step(lambda p: reference(p, lr=0.1, **options)), sparse_step(lambda p: library(p, lr=0.1, **options)))
    for reference, library, options in PAIRS
)))

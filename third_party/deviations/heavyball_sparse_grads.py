"""heavyball 3.2.1 fails on sparse grads from deep inside (RuntimeError 'unsupported memory
format option Preserve'): SGD rejects what torch.optim.SGD steps; AdamW and RMSprop do not raise
torch's error and message."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, sparse_step, worst

sys.exit(worst(
    compare("SGD: step() with a sparse grad", sparse_step(lambda p: torch.optim.SGD(p, lr=0.1)),
            sparse_step(lambda p: heavyball.SGD(p, lr=0.1, beta=0.0, consume_grad=False))),
    compare("AdamW: step() with a sparse grad", sparse_step(lambda p: torch.optim.AdamW(p)), sparse_step(lambda p: heavyball.AdamW(p))),
    compare("RMSprop: step() with a sparse grad", sparse_step(lambda p: torch.optim.RMSprop(p)), sparse_step(lambda p: heavyball.RMSprop(p))),
))

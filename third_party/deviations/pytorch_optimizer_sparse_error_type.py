"""pytorch-optimizer 4.1.0 AdaDelta and StableAdamW reject sparse grads with their own
NoSparseGradientError, not torch's RuntimeError and message."""

import sys

import torch
from pytorch_optimizer import AdaDelta, StableAdamW

from third_party.deviations.side_by_side import compare, sparse_step, worst

sys.exit(worst(
    compare("Adadelta: step() with a sparse grad", sparse_step(lambda p: torch.optim.Adadelta(p)), sparse_step(lambda p: AdaDelta(p))),
    compare("AdamW: step() with a sparse grad", sparse_step(lambda p: torch.optim.AdamW(p)), sparse_step(lambda p: StableAdamW(p, kahan_sum=False))),
))

"""pytorch-optimizer 4.1.0 SGDW rejects sparse grads (NoSparseGradientError), which
torch.optim.SGD steps without momentum or weight decay."""

import sys

import torch
from pytorch_optimizer import SGDW

from third_party.deviations.side_by_side import compare, sparse_step

sys.exit(compare("step() with a sparse grad, lr=0.1",
                 sparse_step(lambda p: torch.optim.SGD(p, lr=0.1)), sparse_step(lambda p: SGDW(p, lr=0.1, weight_decouple=False))))

"""heavyball 3.2.1 stores state in float32 (storage_dtype='float32'): float64 params are not
stepped in float64 (SGD with momentum, float64: params leave torch's by ~1e-8)."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, params_after

sys.exit(compare(
    "float64 params after 5 steps, lr=0.1, momentum=0.9",
    params_after(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), dtype=torch.float64),
    params_after(lambda p: heavyball.SGD(p, lr=0.1, beta=0.9, consume_grad=False), dtype=torch.float64),
    ulps=8,
))

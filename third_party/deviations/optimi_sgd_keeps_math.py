"""torch-optimi 0.3.3 SGD (kahan_sum=False, decouple_lr=False) keeps torch.optim.SGD's params bit
for bit: momentum 0 and 0.9, L2 weight_decay, complex64, float64, None grads, sparse grads."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, params_after, sparse_step, worst

CASES = [{}, {"momentum": 0.9}, {"weight_decay": 0.1}, {"momentum": 0.9, "weight_decay": 0.1}]
codes = [
    compare(f"params after 5 steps, lr=0.1, {options}, {dtype}",
            params_after(lambda p: torch.optim.SGD(p, lr=0.1, **options), dtype=dtype, none_grads={2: [0]}),
            params_after(lambda p: optimi.SGD(p, lr=0.1, kahan_sum=False, decouple_lr=False, **options), dtype=dtype, none_grads={2: [0]}))
    for options in CASES
    for dtype in (torch.float32, torch.float64, torch.complex64)
]
codes.append(compare("step() with a sparse grad, lr=0.1", sparse_step(lambda p: torch.optim.SGD(p, lr=0.1)),
                     sparse_step(lambda p: optimi.SGD(p, lr=0.1, kahan_sum=False))))
sys.exit(worst(*codes))

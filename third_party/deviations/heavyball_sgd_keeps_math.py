"""heavyball 3.2.1 SGD keeps torch.optim.SGD's params within float32 rounding: momentum 0 and 0.9,
weight_decay without momentum, 0-d Tensor lr."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

CASES = [({"lr": 0.1}, {"beta": 0.0}), ({"lr": 0.1, "momentum": 0.9}, {"beta": 0.9}),
         ({"lr": 0.1, "weight_decay": 0.1}, {"beta": 0.0, "weight_decay": 0.1}),
         ({"lr": torch.tensor(0.1)}, {"beta": 0.0})]
codes = [
    compare(f"params after 5 steps, {torch_options}, {dtype}",
            params_after(lambda p: torch.optim.SGD(p, **torch_options), dtype=dtype),
            params_after(lambda p: heavyball.SGD(p, lr=torch_options["lr"], consume_grad=False, **options), dtype=dtype),
            ulps=8)
    for torch_options, options in CASES
    for dtype in (torch.float32,)
]
sys.exit(worst(*codes))

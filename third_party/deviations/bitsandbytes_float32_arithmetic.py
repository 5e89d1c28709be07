"""bitsandbytes 0.50.2 steps every param in float32 (backends/cpu/ops.py: g.float(), p.data.float(),
float32 state): float64 params do not get float64 arithmetic."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

sys.exit(worst(
    compare("Adam: float64 params after 5 steps, lr=0.1", params_after(lambda p: torch.optim.Adam(p, lr=0.1), dtype=torch.float64),
            params_after(lambda p: bnb.optim.Adam(p, lr=0.1), dtype=torch.float64), ulps=16),
    compare("Adagrad: float64 params after 5 steps, lr=0.1", params_after(lambda p: torch.optim.Adagrad(p, lr=0.1), dtype=torch.float64),
            params_after(lambda p: bnb.optim.Adagrad(p, lr=0.1), dtype=torch.float64), ulps=16),
))

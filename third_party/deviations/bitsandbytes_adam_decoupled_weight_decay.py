"""bitsandbytes 0.50.2 Adam decays weights decoupled, p *= 1 - lr·λ (backends/cpu/ops.py:378), like
AdamW; torch.optim.Adam's weight_decay is L2 (λθ added to the grad)."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

sys.exit(worst(
    compare("params after 5 steps, lr=0.1, weight_decay=0.1: torch.optim.Adam vs bnb Adam",
            params_after(lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1)),
            params_after(lambda p: bnb.optim.Adam(p, lr=0.1, weight_decay=0.1)), ulps=16),
))

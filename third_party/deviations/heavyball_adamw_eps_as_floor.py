"""heavyball 3.2.1 AdamW divides by max(sqrt(v̂), ε) (utils.py:420), not sqrt(v̂) + ε: with torch's
other hyperparameters the params part from torch.optim.AdamW's, visibly so at a larger ε."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

sys.exit(worst(*(
    compare(f"params after 5 steps, lr=0.1, betas=(0.9, 0.999), weight_decay=0, eps={eps}",
            params_after(lambda p: torch.optim.AdamW(p, lr=0.1, eps=eps, weight_decay=0.0)),
            params_after(lambda p: heavyball.AdamW(p, lr=0.1, betas=(0.9, 0.999), eps=eps, weight_decay=0.0, consume_grad=False)),
            ulps=8)
    for eps in (1e-6, 0.5)
)))

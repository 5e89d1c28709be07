"""torch-optimi 0.3.3 Adam/AdamW do not step complex params as torch.view_as_real(param) ("do not
support ... complex numbers")."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

sys.exit(worst(
    compare("Adam: complex64 params after 5 steps, lr=0.1",
            params_after(lambda p: torch.optim.Adam(p, lr=0.1), dtype=torch.complex64),
            params_after(lambda p: optimi.Adam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8, kahan_sum=False), dtype=torch.complex64), ulps=8),
    compare("AdamW: complex64 params after 5 steps, lr=0.1",
            params_after(lambda p: torch.optim.AdamW(p, lr=0.1), dtype=torch.complex64),
            params_after(lambda p: optimi.AdamW(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8, kahan_sum=False), dtype=torch.complex64), ulps=8),
))

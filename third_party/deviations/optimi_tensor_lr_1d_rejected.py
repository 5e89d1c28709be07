"""torch-optimi 0.3.3: a Tensor lr of shape (1,), which torch takes, raises TypeError ("argument
'alpha' / 'value' must be Number")."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

sys.exit(worst(
    compare("SGD, lr=tensor([0.1]): params after 5 steps", params_after(lambda p: torch.optim.SGD(p, lr=torch.tensor([0.1]))),
            params_after(lambda p: optimi.SGD(p, lr=torch.tensor([0.1]), kahan_sum=False))),
    compare("Adam, lr=tensor([0.1]): params after 5 steps", params_after(lambda p: torch.optim.Adam(p, lr=torch.tensor([0.1]))),
            params_after(lambda p: optimi.Adam(p, lr=torch.tensor([0.1]), betas=(0.9, 0.999), eps=1e-8, kahan_sum=False)), ulps=8),
))

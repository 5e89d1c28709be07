"""bitsandbytes 0.50.2 SGD keeps dampening as betas[1] and validates it as a beta: dampening = 1,
which torch.optim.SGD takes (the momentum buffer then keeps its first grad), raises ValueError."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

sys.exit(worst(
    compare("params after 5 steps, lr=0.1, momentum=0.9, dampening=1",
            params_after(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=1.0)),
            params_after(lambda p: bnb.optim.SGD(p, lr=0.1, momentum=0.9, dampening=1.0))),
))

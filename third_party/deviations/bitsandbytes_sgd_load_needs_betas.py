"""bitsandbytes 0.50.2 SGD reads group['betas'] when it steps: a state dict saved by
torch.optim.SGD (whose groups hold momentum, no betas) loads, then step() raises KeyError."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, step_after_loading, worst

sys.exit(worst(
    compare("step() after loading torch.optim.SGD's state dict (lr=0.1, momentum=0.9)",
            step_after_loading(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
                               lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
            step_after_loading(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
                               lambda p: bnb.optim.SGD(p, lr=0.1, momentum=0.9))),
))

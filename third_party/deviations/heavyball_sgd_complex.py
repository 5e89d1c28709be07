"""heavyball 3.2.1 SGD does not step complex params as torch.view_as_real(param): their imaginary
parts leave torch.optim.SGD's."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

sys.exit(worst(*(
    compare(f"complex64 params after 5 steps, lr=0.1, momentum={momentum}",
            params_after(lambda p: torch.optim.SGD(p, lr=0.1, momentum=momentum), dtype=torch.complex64),
            params_after(lambda p: heavyball.SGD(p, lr=0.1, beta=momentum, consume_grad=False), dtype=torch.complex64),
            ulps=8)
    for momentum in (0.0, 0.9)
)))

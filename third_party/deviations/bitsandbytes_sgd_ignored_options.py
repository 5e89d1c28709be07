"""bitsandbytes 0.50.2 SGD accepts dampening and nesterov and ignores both (the CPU kernel is
b <- μb + g, θ <- θ - lr·b)."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

sys.exit(worst(*(
    compare(f"params after 5 steps, lr=0.1, momentum=0.9, {options}",
            params_after(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, **options)),
            params_after(lambda p: bnb.optim.SGD(p, lr=0.1, momentum=0.9, **options)), ulps=16)
    for options in ({"dampening": 0.5}, {"nesterov": True})
)))

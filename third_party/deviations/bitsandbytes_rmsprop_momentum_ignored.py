"""bitsandbytes 0.50.2 RMSprop accepts momentum and ignores it (the CPU kernel keeps no momentum
buffer)."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after

sys.exit(compare("params after 5 steps, lr=0.01, momentum=0.9", params_after(lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.9)),
                 params_after(lambda p: bnb.optim.RMSprop(p, lr=0.01, momentum=0.9)), ulps=16))

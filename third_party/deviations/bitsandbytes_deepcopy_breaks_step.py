"""bitsandbytes 0.50.2: a copy.deepcopy of a stepped optimizer cannot step (AttributeError
'initialized': torch's Optimizer.__getstate__ does not carry it)."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, step_after_deepcopy, worst

sys.exit(worst(
    compare("Adam: step() of a deepcopy", step_after_deepcopy(lambda p: torch.optim.Adam(p)), step_after_deepcopy(lambda p: bnb.optim.Adam(p))),
    compare("SGD: step() of a deepcopy", step_after_deepcopy(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
            step_after_deepcopy(lambda p: bnb.optim.SGD(p, lr=0.1, momentum=0.9))),
))

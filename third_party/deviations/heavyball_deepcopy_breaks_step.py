"""heavyball 3.2.1: a copy.deepcopy of a stepped optimizer cannot step (AttributeError 'use_ema')."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, step_after_deepcopy, worst

sys.exit(worst(
    compare("SGD: step() of a deepcopy", step_after_deepcopy(lambda p: torch.optim.SGD(p, momentum=0.9)),
            step_after_deepcopy(lambda p: heavyball.SGD(p, beta=0.9))),
    compare("AdamW: step() of a deepcopy", step_after_deepcopy(lambda p: torch.optim.AdamW(p)),
            step_after_deepcopy(lambda p: heavyball.AdamW(p))),
))

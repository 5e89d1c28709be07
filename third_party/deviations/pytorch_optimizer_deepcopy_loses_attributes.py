"""pytorch-optimizer 4.1.0: a copy.deepcopy of a stepped optimizer cannot step (AttributeError:
self.maximize / self.foreach are not carried by torch's Optimizer.__getstate__)."""

import sys

import torch
from pytorch_optimizer import SGDW, AdaDelta, StableAdamW

from third_party.deviations.side_by_side import compare, step_after_deepcopy, worst

sys.exit(worst(
    compare("Adadelta: step() of a deepcopy", step_after_deepcopy(lambda p: torch.optim.Adadelta(p)), step_after_deepcopy(lambda p: AdaDelta(p))),
    compare("SGD: step() of a deepcopy", step_after_deepcopy(lambda p: torch.optim.SGD(p)), step_after_deepcopy(lambda p: SGDW(p, weight_decouple=False))),
    compare("AdamW: step() of a deepcopy", step_after_deepcopy(lambda p: torch.optim.AdamW(p)), step_after_deepcopy(lambda p: StableAdamW(p, kahan_sum=False))),
))

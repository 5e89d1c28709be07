"""pytorch-optimizer 4.1.0: a state_dict from torch.optim's class (or an older checkpoint) loads,
but the next step raises KeyError: the groups lack the library's own 'weight_decouple'."""

import sys

import torch
from pytorch_optimizer import SGDW, AdaDelta, StableAdamW

from third_party.deviations.side_by_side import compare, step_after_loading, worst

sys.exit(worst(
    compare("Adadelta: torch's state_dict loaded, then step()",
            step_after_loading(lambda p: torch.optim.Adadelta(p), lambda p: torch.optim.Adadelta(p)),
            step_after_loading(lambda p: torch.optim.Adadelta(p), lambda p: AdaDelta(p))),
    compare("SGD: torch's state_dict loaded, then step()",
            step_after_loading(lambda p: torch.optim.SGD(p, momentum=0.9), lambda p: torch.optim.SGD(p, momentum=0.9)),
            step_after_loading(lambda p: torch.optim.SGD(p, momentum=0.9), lambda p: SGDW(p, momentum=0.9, weight_decouple=False))),
    compare("AdamW: torch's state_dict loaded, then step()",
            step_after_loading(lambda p: torch.optim.AdamW(p), lambda p: torch.optim.AdamW(p)),
            step_after_loading(lambda p: torch.optim.AdamW(p), lambda p: StableAdamW(p, kahan_sum=False))),
))

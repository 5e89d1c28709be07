"""heavyball 3.2.1: a state_dict of torch.optim's class loads, but the next step raises KeyError:
its groups lack heavyball's own keys ('caution', ...)."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, step_after_loading, worst

sys.exit(worst(
    compare("SGD: torch's state_dict loaded, then step()",
            step_after_loading(lambda p: torch.optim.SGD(p, momentum=0.9), lambda p: torch.optim.SGD(p, momentum=0.9)),
            step_after_loading(lambda p: torch.optim.SGD(p, momentum=0.9), lambda p: heavyball.SGD(p, beta=0.9))),
    compare("AdamW: torch's state_dict loaded, then step()",
            step_after_loading(lambda p: torch.optim.AdamW(p), lambda p: torch.optim.AdamW(p)),
            step_after_loading(lambda p: torch.optim.AdamW(p), lambda p: heavyball.AdamW(p))),
))

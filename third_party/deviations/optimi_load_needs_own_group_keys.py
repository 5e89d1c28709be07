"""torch-optimi 0.3.3: a state_dict of torch.optim's class loads, but the next step raises
KeyError: its groups lack optimi's own keys."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, step_after_loading, worst

sys.exit(worst(
    compare("Adam: torch's state_dict loaded, then step()",
            step_after_loading(lambda p: torch.optim.Adam(p), lambda p: torch.optim.Adam(p)),
            step_after_loading(lambda p: torch.optim.Adam(p), lambda p: optimi.Adam(p, lr=1e-3, kahan_sum=False))),
    compare("SGD: torch's state_dict loaded, then step()",
            step_after_loading(lambda p: torch.optim.SGD(p, momentum=0.9), lambda p: torch.optim.SGD(p, momentum=0.9)),
            step_after_loading(lambda p: torch.optim.SGD(p, momentum=0.9), lambda p: optimi.SGD(p, lr=1e-3, momentum=0.9, kahan_sum=False))),
))

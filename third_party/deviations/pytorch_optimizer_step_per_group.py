"""pytorch-optimizer 4.1.0 AdaDelta and StableAdamW count steps in group['step']: state[p] has no
'step' (torch keeps a 0-d tensor per param), so torch cannot continue from their state_dict."""

import sys

import torch
from pytorch_optimizer import AdaDelta, StableAdamW

from third_party.deviations.side_by_side import compare, state_keys, step_after_loading, worst

sys.exit(worst(
    compare("Adadelta: keys of state[p]", state_keys(lambda p: torch.optim.Adadelta(p)), state_keys(lambda p: AdaDelta(p))),
    compare("AdamW: keys of state[p]", state_keys(lambda p: torch.optim.AdamW(p)), state_keys(lambda p: StableAdamW(p, kahan_sum=False))),
    compare(
        "Adadelta: its state_dict loaded into torch.optim.Adadelta, then step()",
        step_after_loading(lambda p: torch.optim.Adadelta(p), lambda p: torch.optim.Adadelta(p)),
        step_after_loading(lambda p: AdaDelta(p), lambda p: torch.optim.Adadelta(p)),
    ),
))

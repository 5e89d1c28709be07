"""heavyball 3.2.1 nests each param's state under an index ({0: {...}}) with its own names and
keeps no 0-d state['step'] tensor; torch cannot continue from its state_dict."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, state_keys, step_after_loading, worst

sys.exit(worst(
    compare("SGD, momentum=0.9: keys of state[p]", state_keys(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
            state_keys(lambda p: heavyball.SGD(p, lr=0.1, beta=0.9), steps=2)),
    compare("AdamW: keys of state[p]", state_keys(lambda p: torch.optim.AdamW(p, lr=0.1)),
            state_keys(lambda p: heavyball.AdamW(p, lr=0.1), steps=2)),
    compare("AdamW: its state_dict loaded into torch.optim.AdamW, then step()",
            step_after_loading(lambda p: torch.optim.AdamW(p), lambda p: torch.optim.AdamW(p)),
            step_after_loading(lambda p: heavyball.AdamW(p), lambda p: torch.optim.AdamW(p))),
))

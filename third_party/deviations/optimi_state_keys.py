"""torch-optimi 0.3.3 keeps 'kahan_comp' in state[p] (None with kahan_sum=False); SGD names its
momentum buffer 'exp_avg' and creates state even without momentum (torch: none)."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, state_keys, worst

sys.exit(worst(
    compare("Adam: keys of state[p]", state_keys(lambda p: torch.optim.Adam(p)), state_keys(lambda p: optimi.Adam(p, lr=1e-3, kahan_sum=False))),
    compare("SGD, momentum=0.9: keys of state[p]", state_keys(lambda p: torch.optim.SGD(p, momentum=0.9)),
            state_keys(lambda p: optimi.SGD(p, lr=1e-3, momentum=0.9, kahan_sum=False))),
    compare("SGD, momentum=0: keys of state[p]", state_keys(lambda p: torch.optim.SGD(p)),
            state_keys(lambda p: optimi.SGD(p, lr=1e-3, kahan_sum=False))),
))

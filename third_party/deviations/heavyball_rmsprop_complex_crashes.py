"""heavyball 3.2.1 RMSprop: a complex param makes step() raise NotImplementedError ('"maximum_cpu"
not implemented for 'ComplexFloat'': the ε floor of its denominator is torch.maximum);
torch.optim.RMSprop steps complex params as view_as_real."""

import sys

import torch

from third_party.adapters import heavyball_rmsprop
from third_party.deviations.side_by_side import compare, params_after

sys.exit(compare(
    "RMSprop, complex64 params: params after 5 steps",
    params_after(lambda p: torch.optim.RMSprop(p), dtype=torch.complex64),
    params_after(lambda p: heavyball_rmsprop(p), dtype=torch.complex64),
))

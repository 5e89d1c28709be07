"""torch-optimi 0.3.3 SGD: momentum set in param_groups after steps with momentum 0 makes step()
raise AttributeError ('NoneType' object has no attribute 'mul_': the state's exp_avg is None);
torch.optim.SGD creates its momentum buffer at that step."""

import sys

import torch

from third_party.adapters import optimi_sgd
from third_party.deviations.side_by_side import compare, params_after


def momentum_from_step_2(optimizer, step):
    if step == 2:
        optimizer.param_groups[0]["momentum"] = 0.9


sys.exit(compare(
    "SGD, momentum 0 then 0.9 from step 2: params after 5 steps",
    params_after(lambda p: torch.optim.SGD(p, lr=0.1), between=momentum_from_step_2),
    params_after(lambda p: optimi_sgd(p, lr=0.1), between=momentum_from_step_2),
))

"""torch-optimi 0.3.3 SGD and Adam: with L2 weight_decay (decouple_wd=False) step() adds λθ to
p.grad in place; torch.optim.SGD and Adam leave the grads as they were."""

import sys

import torch

from third_party.adapters import optimi_adam, optimi_sgd
from third_party.deviations.side_by_side import compare, worst


def grad_after_step(build):
    param = torch.ones(3, requires_grad=True)
    param.grad = torch.full((3,), 0.5)
    build([param]).step()
    return param.grad


sys.exit(worst(
    compare("SGD: p.grad after one step with weight_decay=0.1 (it was 0.5)",
            grad_after_step(lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.1)),
            grad_after_step(lambda p: optimi_sgd(p, lr=0.1, weight_decay=0.1))),
    compare("Adam: p.grad after one step with weight_decay=0.1 (it was 0.5)",
            grad_after_step(lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1)),
            grad_after_step(lambda p: optimi_adam(p, lr=0.1, weight_decay=0.1))),
))

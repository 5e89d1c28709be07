"""torch-optimi 0.3.3 SGD: with weight_decay (decouple_wd=False, L2) step() adds λθ to p.grad
in place; torch.optim.SGD leaves the grads as they were."""

import sys

import torch

from third_party.adapters import optimi_sgd
from third_party.deviations.side_by_side import compare


def grad_after_step(build):
    param = torch.ones(3, requires_grad=True)
    param.grad = torch.full((3,), 0.5)
    build([param]).step()
    return param.grad


sys.exit(compare(
    "p.grad after one step with weight_decay=0.1 (it was 0.5)",
    grad_after_step(lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.1)),
    grad_after_step(lambda p: optimi_sgd(p, lr=0.1, weight_decay=0.1)),
))

"""pytorch-optimizer 4.1.0 modifies p.grad in place: maximize negates it and L2 weight decay adds
λθ to it (torch leaves .grad as it was)."""

import sys

import torch
from pytorch_optimizer import SGDW, AdaDelta, StableAdamW

from third_party.deviations.side_by_side import compare, worst


def grad_after_step(build):
    param = torch.ones(3, requires_grad=True)
    optimizer = build([param])
    param.grad = torch.full((3,), 0.5)
    optimizer.step()
    return param.grad.clone()


sys.exit(worst(
    compare("Adadelta, weight_decay=0.1: p.grad after step",
            grad_after_step(lambda p: torch.optim.Adadelta(p, weight_decay=0.1)), grad_after_step(lambda p: AdaDelta(p, weight_decay=0.1))),
    compare("Adadelta, maximize=True: p.grad after step",
            grad_after_step(lambda p: torch.optim.Adadelta(p, maximize=True)), grad_after_step(lambda p: AdaDelta(p, maximize=True))),
    compare("SGD, weight_decay=0.1: p.grad after step",
            grad_after_step(lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.1)),
            grad_after_step(lambda p: SGDW(p, lr=0.1, weight_decay=0.1, weight_decouple=False))),
    compare("AdamW, maximize=True: p.grad after step",
            grad_after_step(lambda p: torch.optim.AdamW(p, maximize=True)), grad_after_step(lambda p: StableAdamW(p, maximize=True, kahan_sum=False))),
))

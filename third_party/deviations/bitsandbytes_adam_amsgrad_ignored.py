"""bitsandbytes 0.50.2 Adam and AdamW accept amsgrad=True and drop it (never passed on): plain
Adam/AdamW runs."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, worst


def shrinking(optimizer, step):
    # Large grads first, then small: amsgrad's running max of v then differs from v.
    for group in optimizer.param_groups:
        for param in group["params"]:
            param.grad.mul_(10.0 ** (2 - step))


sys.exit(worst(
    compare("Adam, amsgrad=True, shrinking grads: params after 5 steps",
            params_after(lambda p: torch.optim.Adam(p, lr=0.1, amsgrad=True), between=shrinking),
            params_after(lambda p: bnb.optim.Adam(p, lr=0.1, amsgrad=True), between=shrinking), ulps=16),
    compare("AdamW, amsgrad=True, shrinking grads: params after 5 steps",
            params_after(lambda p: torch.optim.AdamW(p, lr=0.1, amsgrad=True), between=shrinking),
            params_after(lambda p: bnb.optim.AdamW(p, lr=0.1, amsgrad=True), between=shrinking), ulps=16),
))

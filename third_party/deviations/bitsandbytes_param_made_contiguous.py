"""bitsandbytes 0.50.2 replaces p.data with p.data.contiguous() at each step
(optim/optimizer.py:537): a transposed or channels_last param changes strides (torch steps it in
place)."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, worst


def strides_after_step(build, param):
    param.requires_grad_()
    optimizer = build([param])
    param.grad = torch.ones_like(param)
    optimizer.step()
    return param.stride()


def transposed():
    return torch.randn(4, 3).t()


def channels_last():
    return torch.randn(2, 3, 4, 5).to(memory_format=torch.channels_last)


sys.exit(worst(*(
    compare(f"Adam: strides of a {make.__name__} param after a step",
            strides_after_step(lambda p: torch.optim.Adam(p), make()), strides_after_step(lambda p: bnb.optim.Adam(p), make()))
    for make in (transposed, channels_last)
)))

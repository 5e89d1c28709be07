"""bitsandbytes 0.50.2 keeps state['step'] as a Python int (torch: a 0-d float32 tensor on the CPU)."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, stepped


def counter(build):
    run = stepped(build, steps=3)
    step = run.optimizer.state[run.optimizer.param_groups[0]["params"][0]]["step"]
    return f"{type(step).__name__} {getattr(step, 'dtype', '')} {float(step)}"


sys.exit(compare("Adam: state['step'] after 3 steps", counter(lambda p: torch.optim.Adam(p)), counter(lambda p: bnb.optim.Adam(p))))

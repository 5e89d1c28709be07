"""pytorch-optimizer 4.1.0 StableAdamW keeps exp_avg_sq in float32 for float16 params, with
kahan_sum=False too (optimizer/adamw.py: ``torch.zeros_like(p, dtype=torch.float32 if p.dtype ==
torch.float16 else p.dtype)``); torch.optim.AdamW keeps every buffer in the param's dtype. The
Args of kahan_sum say so: "Float16 parameters use float32 second moments to preserve squared
gradients."."""

import sys

import torch
from pytorch_optimizer import StableAdamW

from third_party.deviations.side_by_side import compare, stepped


def dtypes(build):
    run = stepped(build, steps=2, dtype=torch.float16)
    state = run.optimizer.state[run.optimizer.param_groups[0]["params"][0]]
    return {key: str(state[key].dtype) for key in ("exp_avg", "exp_avg_sq")}


sys.exit(compare(
    "buffer dtypes of a float16 param",
    dtypes(lambda p: torch.optim.AdamW(p)),
    dtypes(lambda p: StableAdamW(p, kahan_sum=False)),
))

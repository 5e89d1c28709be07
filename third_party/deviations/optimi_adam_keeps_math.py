"""torch-optimi 0.3.3 Adam/AdamW (kahan_sum=False, decouple_lr=False) keep torch's params within
16 units in the last place (float32 and float64): defaults with torch's betas and eps, L2 and
decoupled weight decay, AdamW's decay, large eps, betas 0, 0-d Tensor lr."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

TORCH = {"betas": (0.9, 0.999), "eps": 1e-8}
CASES = [
    (torch.optim.Adam, optimi.Adam, {}),
    (torch.optim.Adam, optimi.Adam, {"weight_decay": 0.1}),
    (torch.optim.Adam, optimi.Adam, {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    (torch.optim.Adam, optimi.Adam, {"eps": 0.1}),
    (torch.optim.Adam, optimi.Adam, {"betas": (0.0, 0.0)}),
    (torch.optim.AdamW, optimi.AdamW, {"weight_decay": 0.1}),
]
RENAMED = {"decoupled_weight_decay": "decouple_wd"}
codes = [
    compare(f"{reference.__name__}: params after 5 steps, {options}, {dtype}",
            params_after(lambda p: reference(p, **{"lr": 0.1, **options}), dtype=dtype),
            params_after(lambda p: library(p, **{"lr": 0.1, **TORCH, **{RENAMED.get(k, k): v for k, v in options.items()}},
                                           kahan_sum=False, decouple_lr=False), dtype=dtype),
            ulps=16)
    for reference, library, options in CASES
    for dtype in (torch.float32, torch.float64)
]
# A Tensor lr is float32: compare on float32 params, as the suite's tensor_lr check does.
codes.append(compare(
    "Adam: params after 5 steps, lr=tensor(0.1), torch.float32",
    params_after(lambda p: torch.optim.Adam(p, lr=torch.tensor(0.1))),
    params_after(lambda p: optimi.Adam(p, lr=torch.tensor(0.1), **TORCH, kahan_sum=False, decouple_lr=False)),
    ulps=16,
))
sys.exit(worst(*codes))

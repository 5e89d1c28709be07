"""bitsandbytes 0.50.2 32-bit Adam, AdamW, Adagrad, RMSprop and SGD (with momentum) keep torch's
float32 params within 16 units in the last place: defaults, weight decay (AdamW's decoupled,
Adagrad's, RMSprop's and SGD's L2), large eps, betas 0, lr 0, 0-d Tensor lr; bf16 within 2."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

CASES = [
    (torch.optim.Adam, bnb.optim.Adam, {"lr": 0.1}),
    (torch.optim.Adam, bnb.optim.Adam, {"lr": 0.1, "eps": 0.1}),
    (torch.optim.Adam, bnb.optim.Adam, {"lr": 0.1, "betas": (0.0, 0.0)}),
    (torch.optim.Adam, bnb.optim.Adam, {"lr": 0.0}),
    (torch.optim.Adam, bnb.optim.Adam, {"lr": torch.tensor(0.1)}),
    (torch.optim.AdamW, bnb.optim.AdamW, {"lr": 0.1, "weight_decay": 0.1}),
    (torch.optim.Adagrad, bnb.optim.Adagrad, {"lr": 0.1}),
    (torch.optim.Adagrad, bnb.optim.Adagrad, {"lr": 0.1, "weight_decay": 0.1, "eps": 1e-3}),
    (torch.optim.RMSprop, bnb.optim.RMSprop, {"lr": 0.01}),
    (torch.optim.RMSprop, bnb.optim.RMSprop, {"lr": 0.01, "weight_decay": 0.1, "alpha": 0.5}),
    (torch.optim.SGD, bnb.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (torch.optim.SGD, bnb.optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
]
codes = [
    compare(f"{reference.__name__}: params after 5 steps, {options}, {dtype}",
            params_after(lambda p: reference(p, **options), dtype=dtype),
            params_after(lambda p: library(p, optim_bits=32, **options), dtype=dtype),
            ulps=ulps)
    for reference, library, options in CASES
    for dtype, ulps in ((torch.float32, 16), (torch.bfloat16, 2))
]
sys.exit(worst(*codes))

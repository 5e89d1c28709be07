"""heavyball 3.2.1 never updates a 0-d float64 param (SGD, AdamW, RMSprop): it keeps its value
step after step, where torch.optim moves it."""

import sys

import heavyball
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

PAIRS = [(torch.optim.SGD, heavyball.SGD, {"beta": 0.0}), (torch.optim.AdamW, heavyball.AdamW, {}), (torch.optim.RMSprop, heavyball.RMSprop, {})]
sys.exit(worst(*(
    compare(f"{reference.__name__}: a 0-d float64 param after 3 steps, lr=0.01",
            params_after(lambda p: reference(p, lr=0.01), dtype=torch.float64, shapes=((),), steps=3),
            params_after(lambda p: library(p, lr=0.01, consume_grad=False, **options), dtype=torch.float64, shapes=((),), steps=3),
            ulps=2**29)  # float32's rounding of a float64 value allowed (that is float32_state)
    for reference, library, options in PAIRS
)))

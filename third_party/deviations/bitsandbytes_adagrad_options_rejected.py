"""bitsandbytes 0.50.2 Adagrad takes lr_decay and initial_accumulator_value but rejects any value
other than 0 with ValueError; torch.optim.Adagrad steps with them."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

sys.exit(worst(*(
    compare(f"params after 5 steps, lr=0.1, {options}", params_after(lambda p: torch.optim.Adagrad(p, lr=0.1, **options)),
            params_after(lambda p: bnb.optim.Adagrad(p, lr=0.1, **options)), ulps=16)
    for options in ({"lr_decay": 0.1}, {"initial_accumulator_value": 0.5})
)))

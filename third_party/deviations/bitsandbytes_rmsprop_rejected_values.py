"""bitsandbytes 0.50.2 RMSprop raises NotImplementedError for centered=True and for alpha = 0, and
ValueError for alpha = 1, all of which torch.optim.RMSprop steps."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, params_after, worst

sys.exit(worst(*(
    compare(f"params after 5 steps, lr=0.01, {options}", params_after(lambda p: torch.optim.RMSprop(p, lr=0.01, **options)),
            params_after(lambda p: bnb.optim.RMSprop(p, lr=0.01, **options)), ulps=16)
    for options in ({"centered": True}, {"alpha": 0.0}, {"alpha": 1.0})
)))

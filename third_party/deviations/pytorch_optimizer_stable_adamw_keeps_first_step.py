"""pytorch-optimizer 4.1.0 StableAdamW's update clipping leaves the first step from a fresh state
(and any step with lr = 0) as torch.optim.AdamW's: at step 1 the debiased β2 is 0, so
v_1 = g², the clipping RMS sqrt(mean(g² / v_1)) is 1 and lr / max(1, RMS) = lr. The checks that
compare a single first step with the oracle (closure, step_hooks_act) or use lr = 0 (lr_zero)
can therefore judge their own rule although update_math fails."""

import sys

import torch
from pytorch_optimizer import StableAdamW

from third_party.deviations.side_by_side import compare, stepped

reference = stepped(lambda p: torch.optim.AdamW(p, betas=(0.9, 0.99)), steps=1)
library = stepped(lambda p: StableAdamW(p, betas=(0.9, 0.99), kahan_sum=False), steps=1)
# Within float32 rounding: the library computes the same update in another order.
sys.exit(compare("params after one step (within 4 ulps)", reference.params, library.params, ulps=4))

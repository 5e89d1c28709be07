"""pytorch-optimizer 4.1.0: torch's differentiable / capturable / fused (and StableAdamW's amsgrad)
are not options; **kwargs swallows them silently, and the group does not store them."""

import sys

import torch
from pytorch_optimizer import SGDW, AdaDelta, StableAdamW

from third_party.deviations.side_by_side import compare, group_options, params_after, worst

sys.exit(worst(
    compare("Adadelta: options stored in a group", group_options(lambda p: torch.optim.Adadelta(p)), group_options(lambda p: AdaDelta(p))),
    compare("SGD: options stored in a group", group_options(lambda p: torch.optim.SGD(p)), group_options(lambda p: SGDW(p, weight_decouple=False))),
    compare("AdamW: options stored in a group", group_options(lambda p: torch.optim.AdamW(p)), group_options(lambda p: StableAdamW(p, kahan_sum=False))),
    compare("AdamW, amsgrad=True: params after 5 steps",
            params_after(lambda p: torch.optim.AdamW(p, lr=0.1, amsgrad=True)),
            params_after(lambda p: StableAdamW(p, lr=0.1, betas=(0.9, 0.999), amsgrad=True, kahan_sum=False))),
))

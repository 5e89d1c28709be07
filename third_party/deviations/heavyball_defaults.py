"""heavyball 3.2.1: other defaults than torch.optim's (SGD lr 0.0025 and momentum `beta` 0.9; AdamW
lr 0.0025, betas (0.9, 0.99), weight_decay 0; RMSprop lr 0.0025, eps 1e-6)."""

import sys

import inspect

import heavyball
import torch

from third_party.deviations.side_by_side import compare, worst


def defaults(cls, names):
    parameters = inspect.signature(cls).parameters
    return {torch_name: parameters[name].default for torch_name, name in names.items()}


sys.exit(worst(
    compare("SGD defaults", defaults(torch.optim.SGD, {"lr": "lr", "momentum": "momentum"}),
            defaults(heavyball.SGD, {"lr": "lr", "momentum": "beta"})),
    compare("AdamW defaults", defaults(torch.optim.AdamW, {"lr": "lr", "betas": "betas", "weight_decay": "weight_decay"}),
            defaults(heavyball.AdamW, {"lr": "lr", "betas": "betas", "weight_decay": "weight_decay"})),
    compare("RMSprop defaults", defaults(torch.optim.RMSprop, {"lr": "lr", "eps": "eps"}),
            defaults(heavyball.RMSprop, {"lr": "lr", "eps": "eps"})),
))

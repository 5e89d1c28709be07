"""torch-optimi 0.3.3: lr has no default; Adam/AdamW default betas (0.9, 0.99) and eps 1e-6; the
positional order is lr, betas, weight_decay, eps (SGD: lr, momentum, weight_decay), not torch's."""

import sys

import inspect

import optimi
import torch

from third_party.deviations.side_by_side import compare, worst


def signature_of(cls, count):
    parameters = list(inspect.signature(cls).parameters.values())[1 : 1 + count]
    return [(p.name, "required" if p.default is p.empty else p.default) for p in parameters]


sys.exit(worst(
    compare("Adam: first four parameters after params (name, default)", signature_of(torch.optim.Adam, 4), signature_of(optimi.Adam, 4)),
    compare("AdamW: first four parameters after params (name, default)", signature_of(torch.optim.AdamW, 4), signature_of(optimi.AdamW, 4)),
    compare("SGD: first four parameters after params (name, default)", signature_of(torch.optim.SGD, 4), signature_of(optimi.SGD, 4)),
))

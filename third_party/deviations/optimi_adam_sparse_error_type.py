"""torch-optimi 0.3.3 Adam/AdamW fail on sparse grads with NotImplementedError (aten::lerp_ on
SparseCPU), not torch's RuntimeError and message."""

import sys

import optimi
import torch

from third_party.deviations.side_by_side import compare, sparse_step


def first_line(outcome):
    return outcome.split("\n")[0][:120] if isinstance(outcome, str) else outcome


sys.exit(compare("Adam: step() with a sparse grad", first_line(sparse_step(lambda p: torch.optim.Adam(p))),
                 first_line(sparse_step(lambda p: optimi.Adam(p, lr=1e-3, kahan_sum=False)))))

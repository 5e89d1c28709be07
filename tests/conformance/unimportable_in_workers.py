"""A target that imports in the conformance CLI's own process but not in the workers it spawns."""

import multiprocessing

if multiprocessing.parent_process() is not None:
    raise ImportError("this module refuses to be imported in a worker")

from torch.optim import Adadelta  # noqa: E402

__all__ = ["Adadelta"]

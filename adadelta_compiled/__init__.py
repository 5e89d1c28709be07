"""adadelta_compiled: torch.optim.Adadelta, with its step compiled by Inductor.

    >>> from adadelta_compiled import Adadelta   # instead of torch.optim.Adadelta
"""

from importlib.metadata import PackageNotFoundError, version

from .functional import Hyperparameters, adadelta_step_, adadelta_update
from .kernel import STRICT_ENV_VAR, CompileFallbackWarning
from .optimizer import Adadelta

try:
    __version__ = version("adadelta-compiled")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "STRICT_ENV_VAR",
    "Adadelta",
    "CompileFallbackWarning",
    "Hyperparameters",
    "adadelta_step_",
    "adadelta_update",
]

"""Where the Adadelta spec lived before the other specs shipped: ``--spec
conformance.adadelta:ADADELTA`` keeps working. It is :mod:`conformance.specs.adadelta`."""

from .specs.adadelta import ADADELTA, adadelta_update

__all__ = ["ADADELTA", "adadelta_update"]

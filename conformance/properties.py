"""Run a property-based check body under the run's hypothesis settings and seed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from hypothesis import given, seed
from hypothesis import strategies as st
from hypothesis.internal.conjecture import engine

from .subject import Subject

__all__ = ["SHRINKS", "run_property"]

# Successful shrinks of a failing example, at most (hypothesis: 500). On an implementation with a
# deviation, shrinking was most of a check's time: a failing per_group_hyperparameters (optimi's
# Adam) took 16.5 s at 32 shrinks and 5.4 s at 16, its example one step of two groups both
# times (21 and 29 lines); at 8 it kept three steps (45 lines). A count, not a time limit,
# keeps the derandomized profile's examples the same on every machine.
SHRINKS = 16


def run_property(subject: Subject, body: Callable[[st.DataObject], None]) -> None:
    """Call ``body`` on drawn data until the settings' example budget is spent.

    A failure is shrunk; the minimal example's exception propagates, with hypothesis's
    labelled draws attached as ``__notes__``.
    """
    test = subject.settings(given(st.data())(body))
    if subject.seed is not None:
        test = seed(subject.seed)(test)
    with _shrinks_at_most(SHRINKS):
        test()


@contextlib.contextmanager
def _shrinks_at_most(shrinks: int) -> Iterator[None]:
    """Hypothesis's cap on successful shrinks, lowered meanwhile. Private to hypothesis (checked
    against 6.155 and 6.170): where it is gone, its own cap applies."""
    if not isinstance(getattr(engine, "MAX_SHRINKS", None), int):
        yield
        return
    saved, engine.MAX_SHRINKS = engine.MAX_SHRINKS, shrinks
    try:
        yield
    finally:
        engine.MAX_SHRINKS = saved

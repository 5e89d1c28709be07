"""Run a property-based check body under the run's hypothesis settings and seed."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, seed
from hypothesis import strategies as st

from .subject import Subject

__all__ = ["run_property"]


def run_property(subject: Subject, body: Callable[[st.DataObject], None]) -> None:
    """Call ``body`` on drawn data until the settings' example budget is spent.

    A failure is shrunk; the minimal example's exception propagates, with hypothesis's
    labelled draws attached as ``__notes__``.
    """
    test = subject.settings(given(st.data())(body))
    if subject.seed is not None:
        test = seed(subject.seed)(test)
    test()

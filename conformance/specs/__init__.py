"""The specs this package ships, by name: ``--spec adamw`` is ``conformance.specs.adam:ADAMW``.

Each module holds one algorithm's :class:`~conformance.spec.OptimizerSpec` and its float64
oracle. This module imports none of them (nor torch), so that the pytest plugin can resolve a
name without loading anything heavy; :func:`load_spec` imports the one asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..spec import OptimizerSpec

__all__ = ["DEFAULT_SPEC", "SPECS", "as_spec", "load_spec", "spec_target"]

# name -> MODULE:ATTR, in the order --list-specs prints them
SPECS: dict[str, str] = {
    "adadelta": "conformance.specs.adadelta:ADADELTA",
    "rmsprop": "conformance.specs.rmsprop:RMSPROP",
    "adagrad": "conformance.specs.adagrad:ADAGRAD",
    "sgd": "conformance.specs.sgd:SGD",
    "adam": "conformance.specs.adam:ADAM",
    "adamw": "conformance.specs.adam:ADAMW",
}

DEFAULT_SPEC = "adadelta"


def spec_target(spec: str) -> str:
    """``MODULE:ATTR`` of a shipped spec's name (any case), or ``spec`` itself if it already
    names a module's attribute.

    Raises:
        conformance.target.TargetError: ``spec`` is neither.
    """
    from ..target import TargetError

    shipped = SPECS.get(spec.lower())
    if shipped is not None:
        return shipped
    if ":" in spec or "." in spec:
        return spec
    raise TargetError(
        f"no spec named {spec!r}: the shipped ones are {', '.join(SPECS)}; "
        "a spec of your own is given as MODULE:ATTR"
    )


def load_spec(spec: str) -> OptimizerSpec:
    """The spec named ``spec``: a shipped one's name (``"adamw"``) or ``MODULE:ATTR`` of an
    :class:`~conformance.spec.OptimizerSpec`.

    Raises:
        conformance.target.TargetError: there is no such spec, or the attribute is not one.
    """
    from ..spec import OptimizerSpec
    from ..target import TargetError, load_attribute

    obj = load_attribute(spec_target(spec))
    if not isinstance(obj, OptimizerSpec):
        raise TargetError(f"{spec} is a {type(obj).__name__}, not an OptimizerSpec")
    return obj


def as_spec(spec: OptimizerSpec | str) -> OptimizerSpec:
    """``spec`` itself, or the spec it names (see :func:`load_spec`)."""
    return load_spec(spec) if isinstance(spec, str) else spec

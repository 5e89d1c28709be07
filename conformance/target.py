"""The implementation under test: resolve ``MODULE:ATTR``, and say how to import it and its version."""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_TARGET", "Target", "TargetError", "describe", "load_attribute", "resolve"]

DEFAULT_TARGET = "adadelta_compiled:Adadelta"


class TargetError(Exception):
    """A target that cannot be imported or called; the message is one line saying what was tried."""


@dataclass(frozen=True)
class Target:
    """An optimizer class or factory, with how snippets import it and which version it is.

    Attributes:
        factory: called like the optimizer's constructor.
        name: ``MODULE:ATTR`` as reports show it.
        imports: code that makes ``expression`` evaluate to ``factory``.
        expression: a Python expression naming the factory once ``imports`` ran.
        version: the distribution and version providing it, e.g. ``torch 2.13.0``.
        importable: whether another process can import it by ``name``.
    """

    factory: Callable[..., Any]
    name: str
    imports: str
    expression: str
    version: str
    importable: bool = True


def _version(module_name: str) -> str:
    top_level = module_name.partition(".")[0]
    distributions = importlib.metadata.packages_distributions().get(top_level, [])
    for distribution in distributions:
        return f"{distribution} {importlib.metadata.version(distribution)}"
    module = importlib.import_module(top_level)
    return f"{top_level} {getattr(module, '__version__', 'version unknown')}"


def _split(target: str) -> list[tuple[str, str]]:
    """Candidate (module, attribute path) pairs: the colon form, else every dotted split."""
    if ":" in target:
        module, _, attribute = target.partition(":")
        return [(module, attribute)]
    parts = target.split(".")
    return [(".".join(parts[:i]), ".".join(parts[i:])) for i in range(len(parts) - 1, 0, -1)]


def _spelling(module: str, attribute: str, qualified: bool = False) -> tuple[str, str]:
    if "." not in attribute and not qualified:
        return f"from {module} import {attribute}", attribute
    return f"import {module}", f"{module}.{attribute}"


def _load(target: str) -> tuple[Any, str, str]:
    candidates = _split(target)
    if not target or not all(module and attribute for module, attribute in candidates):
        raise TargetError(f"{target!r} is not MODULE:ATTR (e.g. torch.optim:Adadelta)")
    problems = []
    for module_name, attribute in candidates:
        try:
            obj: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            problems.append(f"import {module_name}: {error}")
            continue
        except Exception as error:  # the module itself is broken: say so, on one line
            raise TargetError(
                f"cannot use {target!r}: importing {module_name} raised "
                f"{type(error).__name__}: {error}"
            ) from error
        try:
            for part in attribute.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            problems.append(f"module {module_name} has no attribute {attribute!r}")
            continue
        return obj, module_name, attribute
    raise TargetError(f"cannot import {target!r}: " + "; ".join(problems))


def load_attribute(target: str) -> Any:
    """The object named by ``MODULE:ATTR`` or ``MODULE.ATTR`` (e.g. a spec).

    Raises:
        TargetError: it cannot be imported or lacks the attribute.
    """
    return _load(target)[0]


def resolve(target: str, *, qualified: bool = False) -> Target:
    """The factory named by ``MODULE:ATTR`` or ``MODULE.ATTR`` (spelled ``module.attr`` in
    snippets if ``qualified``, so that it cannot clash with another target's name).

    Raises:
        TargetError: it cannot be imported, lacks the attribute, or is not callable.
    """
    obj, module_name, attribute = _load(target)
    if not callable(obj):
        raise TargetError(
            f"cannot use {target!r}: {module_name}:{attribute} is a "
            f"{type(obj).__name__}, not an optimizer class or factory"
        )
    imports, expression = _spelling(module_name, attribute, qualified)
    name = f"{module_name}:{attribute}"
    # The __main__ of another process is another script.
    importable = module_name != "__main__"
    return Target(obj, name, imports, expression, _version(module_name), importable)


def describe(factory: Callable[..., Any]) -> Target:
    """A :class:`Target` for a factory given as an object (the Python API)."""
    module = getattr(factory, "__module__", None) or "__main__"
    qualname = getattr(factory, "__qualname__", None) or repr(factory)
    try:
        importable = module != "__main__" and load_attribute(f"{module}:{qualname}") is factory
    except TargetError:
        importable = False
    if importable:
        imports, expression = _spelling(module, qualname)
        return Target(factory, f"{module}:{qualname}", imports, expression, _version(module))
    placeholder = f"factory = ...  # {factory!r}, the implementation under test"
    return Target(factory, f"{module}:{qualname}", placeholder, "factory", _version(module), importable=False)

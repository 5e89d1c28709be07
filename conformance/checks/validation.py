"""The constructor: documented defaults and positional order, and validation of arguments."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch

from .check import Check
from ..expectations import expect, expect_same_error, outcome_of, raised, same_value
from ..failures import CheckFailure
from ..snippet import render_script
from ..spec import OptimizerSpec
from ..subject import Subject
from ..surface import groups_of

__all__ = ["checks"]


def _constructor_defaults(subject: Subject) -> None:
    spec = subject.spec
    example = [spec.example_hyperparameters[key] for key in spec.positional]
    snippet = render_script(
        subject.target,
        str(subject.device),
        f"""
param = torch.zeros(3, device=DEVICE, requires_grad=True)
print(Optimizer([param]).param_groups[0])  # expected: {dict(spec.defaults)!r}
print(Optimizer([param], *{example!r}).param_groups[0])  # in order: {list(spec.positional)!r}
""",
    )
    param = torch.zeros(3, device=subject.device, requires_grad=True)
    calls = {
        "constructed with defaults": ((), dict(spec.defaults)),
        f"constructed with positional {', '.join(spec.positional)} = {example}": (
            tuple(example),
            dict(zip(spec.positional, example, strict=True)),
        ),
    }
    problems = []
    # The positional call sets every option to a non-default value: an exception there may be
    # a value the check about that option finds rejected (then this check waits on it).
    rejected: Exception | None = None
    for how, (positional, expected) in calls.items():
        try:
            optimizer = subject.target.factory([param], *positional)
        except Exception as error:
            problems.append(f"{how}: the constructor {raised(error)}")
            rejected = error if positional else rejected
            continue
        group = groups_of(optimizer)[0]
        problems += [
            f"{how}: param_groups[0][{key!r}] is {group.get(key, '<missing>')!r}, expected {value!r}"
            for key, value in expected.items()
            # An option the implementation does not take is reported by the check about it.
            # An option missing from the group is group_options' to report.
            if subject.options.takes(key) and key in group and not same_value(group[key], value)
        ]
    if len(problems) == 1 and rejected is not None:
        scenarios = {s.name for s in spec.scenarios}
        raise CheckFailure(
            problems[0],
            snippet,
            raised=type(rejected).__name__,
            relies_on_if_raised=[k for k in spec.positional if k in scenarios],
        )
    expect(not problems, "\n".join(problems), snippet)


def _params(subject: Subject) -> list[torch.Tensor]:
    return [torch.zeros(3, device=subject.device, requires_grad=True)]


def _constructor_validation(subject: Subject) -> None:
    spec = subject.spec
    problems = []
    # The type of exception behind each problem (None: nothing was raised).
    raised_types: set[str | None] = set()
    # Arguments of options the implementation does not take are judged by the checks about them.
    takes_all = lambda arguments: all(map(subject.options.takes, arguments))  # noqa: E731
    for invalid in (i for i in spec.invalid_arguments if takes_all(i.build())):
        arguments = invalid.build()
        expected = outcome_of(lambda: spec.reference(_params(subject), **arguments))
        actual = outcome_of(lambda: subject.factory(_params(subject), **arguments))
        if expected is None:
            raise AssertionError(f"{spec.reference_name} accepts {invalid.description}: stale spec")
        if type(actual) is not type(expected) or str(actual) != str(expected):
            raised_types.add(None if actual is None else type(actual).__name__)
            got = "nothing raised" if actual is None else f"{type(actual).__name__}({str(actual)!r})"
            problems.append(
                f"{invalid.description} {arguments!r}: expected "
                f"{type(expected).__name__}({str(expected)!r}), {got}"
            )
    # The types of exception that refused extreme valid values: a case built with one fails on it.
    refused: set[str] = set()
    for arguments in filter(takes_all, spec.boundary_arguments):
        error = outcome_of(lambda: subject.factory(_params(subject), **arguments))
        if error is not None:
            raised_types.add(type(error).__name__)
            refused.add(type(error).__name__)
            problems.append(f"valid {arguments!r}: raised {type(error).__name__}({str(error)!r})")
    if problems:
        invalid_calls = "\n".join(
            f"Optimizer([param], **{invalid.build()!r})  # {invalid.description}"
            for invalid in spec.invalid_arguments
        )
        snippet = render_script(
            subject.target,
            str(subject.device),
            "param = torch.zeros(3, device=DEVICE, requires_grad=True)\n"
            "# each line on its own:\n" + invalid_calls,
        )
        # A case built with a refused extreme valid value waits on this check where it fails on
        # the same type; this check waits on the base update's only where one type of
        # exception is behind every problem (building with torch's defaults refused, say).
        whole = len(raised_types) == 1 and None not in raised_types
        if refused:
            raised = "|".join(sorted(refused))
        else:
            raised = next(iter(raised_types)) or "" if whole else ""
        raise CheckFailure(
            "the constructor does not validate as documented:\n  " + "\n  ".join(problems),
            snippet,
            raised=raised,
            wholly_raised=whole,
        )


def _warnings_of(call: Callable[[], Any]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [f"{w.category.__name__}: {w.message}" for w in caught]


def _optimizer_constructor_errors(subject: Subject) -> None:
    spec, device = subject.spec, subject.device
    snippet = render_script(
        subject.target,
        str(subject.device),
        """
Optimizer([])  # an empty list
weight = torch.ones(3, device=DEVICE, requires_grad=True)
Optimizer([weight * 2])  # a non-leaf tensor
param = torch.zeros(3, device=DEVICE, requires_grad=True)
Optimizer([param, param])  # one param twice: a warning
""",
    )

    def non_leaf() -> list[torch.Tensor]:
        return [torch.ones(3, device=device, requires_grad=True) * 2]

    situations: dict[str, Callable[[], list[torch.Tensor]]] = {
        "constructed over an empty list of params": lambda: [],
        "constructed over a non-leaf tensor": non_leaf,
    }
    for situation, params in situations.items():
        expect_same_error(
            lambda: spec.reference(params()),
            lambda: subject.factory(params()),
            situation,
            snippet,
        )
    param = torch.zeros(3, device=device, requires_grad=True)
    expected = _warnings_of(lambda: spec.reference([param, param]))
    actual = _warnings_of(lambda: subject.factory([param, param]))
    expect(
        actual == expected,
        f"constructed over a group holding one param twice, it warned {actual}, expected "
        f"{expected}",
        snippet,
    )


def checks(spec: OptimizerSpec) -> list[Check]:
    defaults = ", ".join(f"{k}={v!r}" for k, v in spec.defaults.items())
    return [
        Check(
            "constructor_defaults",
            f"the constructor's defaults are {defaults}; positional arguments after params "
            f"are {', '.join(spec.positional)}, in that order",
            _constructor_defaults,
        ),
        Check(
            "constructor_validation",
            f"invalid arguments ({'; '.join(i.description for i in spec.invalid_arguments)}) "
            f"raise the exception {spec.reference_name} raises, with the same message; "
            "extreme valid values are accepted",
            _constructor_validation,
        ),
        Check(
            "optimizer_constructor_errors",
            "as torch.optim.Optimizer does: an empty list of params and a non-leaf tensor "
            "raise its exceptions, with its messages; a group holding one param twice warns "
            "as it warns",
            _optimizer_constructor_errors,
        ),
    ]

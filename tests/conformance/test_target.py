"""MODULE:ATTR resolution: both spellings, and one-line errors saying what was tried."""

from __future__ import annotations

import pytest
import torch

from conformance.target import TargetError, describe, resolve


@pytest.mark.parametrize("spelling", ["torch.optim:Adadelta", "torch.optim.Adadelta"])
def test_colon_and_dotted_spellings_resolve_to_the_same_factory(spelling: str) -> None:
    target = resolve(spelling)
    assert target.factory is torch.optim.Adadelta
    assert target.name == "torch.optim:Adadelta"
    assert target.imports == "from torch.optim import Adadelta"
    assert target.version.startswith("torch ")


def test_qualified_spelling_cannot_clash_with_another_import() -> None:
    target = resolve("torch.optim:Adadelta", qualified=True)
    assert (target.imports, target.expression) == ("import torch.optim", "torch.optim.Adadelta")


@pytest.mark.parametrize(
    ("spelling", "message"),
    [
        ("", "'' is not MODULE:ATTR"),
        ("no_such_module:X", "cannot import 'no_such_module:X': import no_such_module: No module"),
        ("torch.optim.NoSuch", "module torch.optim has no attribute 'NoSuch'"),
        ("math:pi", "math:pi is a float, not an optimizer class or factory"),
    ],
)
def test_unusable_target_raises_one_line_saying_what_was_tried(spelling: str, message: str) -> None:
    with pytest.raises(TargetError) as error:
        resolve(spelling)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_factory_object_that_cannot_be_imported_by_name_gets_a_placeholder_in_snippets() -> None:
    target = describe(lambda params, **options: torch.optim.Adadelta(params, **options))
    assert target.expression == "factory"
    assert target.imports.startswith("factory = ...  # <function")

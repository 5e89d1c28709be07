"""``check_families``: each check's family is the chapter module it comes from, for any spec."""

from __future__ import annotations

from conformance.specs.sgd import SGD

from conformance import ADADELTA
from conformance.checks import check_families, checks_for


def test_every_check_has_one_family_in_report_order() -> None:
    for spec in (ADADELTA, SGD):
        assert list(check_families(spec)) == [check.name for check in checks_for(spec)]


def test_families_are_the_chapter_modules() -> None:
    families = check_families(ADADELTA)
    assert set(families.values()) == {
        "math", "param_groups", "contract", "state", "state_dict", "validation",
        "capabilities", "hooks", "devices",
    }
    assert families["update_math"] == "math"
    assert families["state_dict_roundtrip"] == "state_dict"
    assert families["constructor_validation"] == "validation"
    assert families["step_hooks"] == "hooks"

"""Pins the comparison of third_party.run on a hand-made report (comparison_example.json):

    python -m third_party.check_comparison

exits 0 when every check of the example lands in the category written here, 1 otherwise. Not
named test_*.py: this folder stays out of the project's test suite (README.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .run import EXPECTED, _reports_of, compare_row, comparison_report

EXAMPLE = Path(__file__).parent / "comparison_example.json"

# (row, check) -> the mismatch kind, or None when the outcome is the expected one.
WANTED = {
    ("pytorch_optimizer.AdaDelta", "update_math"): None,
    ("pytorch_optimizer.AdaDelta", "step_counter"): None,
    ("pytorch_optimizer.AdaDelta", "state_layout"): "false_alarm",
    ("pytorch_optimizer.AdaDelta", "tensor_lr"): "missed",
    ("pytorch_optimizer.AdaDelta", "state_values"): "unexpected_not_judged",
    ("pytorch_optimizer.AdaDelta", "sparse_grad_error"): "missed",
    ("pytorch_optimizer.AdaDelta", "multiple_devices"): None,
    ("pytorch_optimizer.AdaDelta", "grads_not_modified"): None,
    ("pytorch_optimizer.AdaDelta", "an_unknown_check"): "unexpected_check",
    ("pytorch_optimizer.AdaDelta", "closure"): "absent",
    ("pytorch_optimizer.StableAdamW", "update_math"): None,
    ("pytorch_optimizer.StableAdamW", "bias_correction"): None,
    ("pytorch_optimizer.StableAdamW", "eps"): "other_blocker",
    ("pytorch_optimizer.StableAdamW", "weight_decay"): "false_alarm",
    ("pytorch_optimizer.StableAdamW", "amsgrad"): "missed",
}


def main() -> int:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    reports = _reports_of(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    found = {
        (m.row, m.check): m.kind
        for name, report in reports.items()
        if report.get("checks")
        for m in compare_row(name, expected["rows"][name], report)
    }
    wrong = [(key, kind, found.get(key)) for key, kind in WANTED.items() if found.get(key) != kind]
    for (row, check), kind, got in wrong:
        print(f"{row} {check}: wanted {kind}, got {got}")
    report = comparison_report(expected, reports)
    if "heavyball.SGD" in report or "## Deviations per library" not in report:
        print("the report includes a row without a report, or lacks the deviation table")
        wrong.append(("report", "", ""))
    if "## Rows the suite could not check: 1" not in report or "| `optimi.Adam` |" in report:
        print("a row whose report is an error is compared check by check, or not listed apart")
        wrong.append(("report", "", ""))
    print(f"{len(WANTED) - len(wrong)}/{len(WANTED)} as written" if wrong else f"all {len(WANTED)} as written")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())

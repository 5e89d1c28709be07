"""Run the conformance suite on other libraries' optimizers; compare with the expected verdicts.

    python -m third_party.run [--out DIR] [-n WORKERS] [-k NAME] [--expected FILE]
    python -m third_party.run --compare RESULTS_JSON [--expected FILE] [-k NAME]

from the repository root, in an environment holding ``third_party/requirements.txt``. Each row
of :data:`third_party.adapters.IMPLEMENTATIONS` is checked with the CLI
(``python -m conformance --spec SPEC FACTORY -n WORKERS --json ...``) in its own process; a row
whose spec is not shipped, or whose library cannot be imported, is reported as not run, with why.
The table has one verdict per check family (the chapter of ``conformance/checks`` a check comes
from); ``DIR/results.json`` has every check's outcome and message, ``DIR/results.md`` the table.

Then each check's actual outcome is compared with ``third_party/expected.json`` (written before
any run, :mod:`third_party.expected`): false alarms (a check failed that was expected to pass or
to be NOT JUDGED), missed deviations (a check expected to fail that passed or was not judged),
other mismatches (another blocker named, an unexpected NOT JUDGED or skip), and the deviations
per library with whether the library documents them. ``--compare`` does only that, on a
``results.json`` of an earlier run. ``DIR/comparison.md`` keeps it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.checks import check_families
from conformance.specs import SPECS, load_spec

from .adapters import IMPLEMENTATIONS, Implementation

__all__ = ["Mismatch", "compare_row", "comparison_report", "family_verdicts", "main", "markdown_table"]

EXPECTED = Path(__file__).parent / "expected.json"

FAMILIES = (
    "math", "param_groups", "contract", "state", "state_dict", "validation", "capabilities",
    "hooks", "devices",
)


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _why_not_runnable(implementation: Implementation) -> str:
    if implementation.spec not in SPECS:
        return f"no shipped spec {implementation.spec!r} in this checkout"
    library = implementation.name.rpartition(".")[0]
    try:
        importlib.import_module(library)
    except Exception as error:  # noqa: BLE001  # a library failing at import may raise anything
        return f"`import {library}` raised {type(error).__name__}: {error}"
    return ""


def family_verdicts(checks: Sequence[dict[str, Any]], families: dict[str, str]) -> dict[str, str]:
    """Per family: "pass", "skip" (every check skipped), or "F/N fail: names" over its N checks."""
    verdicts = {}
    for family in FAMILIES:
        mine = [c for c in checks if families[c["name"]] == family]
        failed = [c["name"] for c in mine if c["outcome"] in ("failed", "xfail")]
        waiting = [c["name"] for c in mine if c["outcome"] == "not_judged"]
        if failed or waiting:
            parts = [f"{len(failed)}/{len(mine)} fail: {', '.join(failed)}"] if failed else []
            parts += [f"{len(waiting)}/{len(mine)} not judged: {', '.join(waiting)}"] if waiting else []
            verdicts[family] = "; ".join(parts)
        elif mine and all(c["outcome"] == "skipped" for c in mine):
            verdicts[family] = "skip"
        else:
            verdicts[family] = "pass" if mine else "-"
    return verdicts


def _run(implementation: Implementation, workers: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "implementation": implementation.name,
        "version": _version(implementation.distribution),
        "spec": implementation.spec,
        "factory": implementation.factory,
    }
    why = _why_not_runnable(implementation)
    if why:
        return {**row, "not_run": why}
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "report.json"
        command = [
            sys.executable, "-m", "conformance", "--spec", implementation.spec,
            implementation.factory, "-n", str(workers), "--json", str(report_path),
        ]
        start = time.perf_counter()
        finished = subprocess.run(command, check=False, capture_output=True, text=True)
        wall_s = time.perf_counter() - start
        if not report_path.exists():
            return {**row, "not_run": f"{' '.join(command[1:])} exited {finished.returncode}: "
                    f"{finished.stderr.strip()[-2000:]}"}
        report = json.loads(report_path.read_text(encoding="utf-8"))
    if report["error"]:
        return {**row, "wall_s": round(wall_s, 1), "not_run": report["error"], "report": report}
    families = check_families(load_spec(implementation.spec))
    return {
        **row,
        "wall_s": round(wall_s, 1),
        "families": family_verdicts(report["checks"], families),
        "report": report,
    }


# The suite's outcomes in the vocabulary of expected.json. xfail/xpass only arise when the suite
# is told to expect a failure; the implementation failed (xfail) or passed (xpass) all the same.
_ACTUAL = {
    "passed": "pass", "failed": "fail", "not_judged": "not_judged", "skipped": "skip",
    "xfail": "fail", "xpass": "pass",
}


@dataclass(frozen=True)
class Mismatch:
    """One check whose actual outcome is not the expected one.

    ``kind``: ``false_alarm`` (failed, expected pass or not_judged), ``missed`` (expected to fail,
    passed or not judged), ``other_blocker`` (not judged as expected, by another check),
    ``unexpected_not_judged`` (expected pass), ``unexpected_skip`` / ``ran_not_skipped`` /
    ``absent`` (in expected.json, not in the report) / ``unexpected_check`` (the reverse).
    """

    row: str
    check: str
    kind: str
    expected: str
    actual: str
    detail: str


def _blockers(expected: dict[str, Any]) -> list[str]:
    """The checks expected to block a check: the suite's JSON lists them (``blocked_by``)."""
    wanted = expected.get("blocked_by") or []
    return [wanted] if isinstance(wanted, str) else list(wanted)


def _kind(expected: dict[str, Any], actual: dict[str, Any] | None) -> str | None:
    if actual is None:
        return "absent"
    outcome = _ACTUAL.get(actual["outcome"], actual["outcome"])
    wanted = expected["outcome"]
    if outcome == wanted:
        if outcome == "not_judged" and set(actual.get("blocked_by") or ()) != set(_blockers(expected)):
            return "other_blocker"
        return None
    if outcome == "fail":
        return "false_alarm" if wanted in ("pass", "not_judged") else "ran_not_skipped"
    if wanted == "fail":
        return "missed" if outcome in ("pass", "not_judged") else "unexpected_skip"
    if outcome == "not_judged":
        return "unexpected_not_judged"
    return "unexpected_skip" if outcome == "skip" else "ran_not_skipped"


def compare_row(name: str, expected_row: dict[str, Any], report: dict[str, Any]) -> list[Mismatch]:
    """Every check of one row whose outcome in ``report`` (the suite's JSON) is not expected."""
    actual = {c["name"]: c for c in report.get("checks", [])}
    mismatches = []
    for check, expected in expected_row["checks"].items():
        kind = _kind(expected, actual.get(check))
        if kind is None:
            continue
        found = actual.get(check)
        shown = "absent" if found is None else _ACTUAL.get(found["outcome"], found["outcome"])
        if found is not None and found.get("blocked_by"):
            shown += f" (blocked by {found['blocked_by']})"
        wanted = expected["outcome"]
        if wanted == "fail":
            wanted += f" ({', '.join(expected['deviations'])})"
        elif wanted == "not_judged":
            wanted += f" (blocked by {', '.join(_blockers(expected))})"
        message = (found or {}).get("message") or (found or {}).get("reason") or ""
        detail = f"expected because: {expected['reason']}" + (f" | suite said: {message.splitlines()[0][:200]}" if message else "")
        mismatches.append(Mismatch(name, check, kind, wanted, shown, detail))
    mismatches += [
        Mismatch(name, check, "unexpected_check", "absent", _ACTUAL.get(c["outcome"], c["outcome"]), "not in expected.json")
        for check, c in actual.items()
        if check not in expected_row["checks"]
    ]
    return mismatches


def _deviation_status(deviation: dict[str, Any], actual: dict[str, dict[str, Any]]) -> str:
    if not deviation["fails"]:
        return "not observable (no check can judge it here)"
    outcomes = [_ACTUAL.get(actual[c]["outcome"], "?") if c in actual else "absent" for c in deviation["fails"]]
    failed = sum(o == "fail" for o in outcomes)
    if failed == len(outcomes):
        return "reported"
    if failed == 0:
        return "missed"
    return f"partly reported ({failed}/{len(outcomes)} checks)"


def comparison_report(expected: dict[str, Any], reports: dict[str, dict[str, Any]]) -> str:
    """Markdown: false alarms, missed deviations, other mismatches, and the deviations per
    library (documented by it? reported by the suite?), for the rows that have a report. A row
    whose report has an error and no checks is listed apart: nothing of it can be compared."""
    unchecked = {name: report["error"] for name, report in reports.items() if report.get("error") and not report.get("checks")}
    rows = {name: row for name, row in expected["rows"].items() if name in reports and name not in unchecked}
    mismatches = [m for name, row in rows.items() for m in compare_row(name, row, reports[name])]
    lines = [f"# Actual vs expected verdicts ({len(rows)} rows compared)", ""]
    if unchecked:
        lines += [f"## Rows the suite could not check: {len(unchecked)}", ""]
        lines += [f"- `{name}`: {str(error).splitlines()[0][:300]}" for name, error in unchecked.items()]
        lines.append("")
    for kind, title in (("false_alarm", "False alarms (a check failed on a rule the class keeps, or that should wait)"),
                        ("missed", "Missed deviations (a check expected to fail passed or was not judged)")):
        chosen = [m for m in mismatches if m.kind == kind]
        lines += [f"## {title}: {len(chosen)}", ""]
        lines += [f"- `{m.row}` {m.check}: expected {m.expected}, got {m.actual}. {m.detail}" for m in chosen]
        lines.append("")
    others = [m for m in mismatches if m.kind not in ("false_alarm", "missed")]
    lines += [f"## Other mismatches: {len(others)}", ""]
    lines += [f"- `{m.row}` {m.check} ({m.kind}): expected {m.expected}, got {m.actual}. {m.detail}" for m in others]
    lines += [
        "", "## Counts per row", "",
        "| row | checks | as expected | false alarms: expected pass | expected not judged | missed | other |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        mine = [m for m in mismatches if m.row == name]
        alarms = [m for m in mine if m.kind == "false_alarm"]
        on_kept = sum(m.expected == "pass" for m in alarms)
        missed = sum(m.kind == "missed" for m in mine)
        lines.append(
            f"| `{name}` | {len(row['checks'])} | {len(row['checks']) - len(mine)} | {on_kept} | {len(alarms) - on_kept} "
            f"| {missed} | {len(mine) - len(alarms) - missed} |"
        )
    lines += ["", "## Deviations per library", ""]
    libraries: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name, row in rows.items():
        libraries.setdefault(row["distribution"], []).append((name, row))
    for library, members in libraries.items():
        lines += [f"### {library}", "", "| class | deviation | owning check | documented by the library? | suite |", "|---|---|---|---|---|"]
        for name, row in members:
            actual = {c["name"]: c for c in reports[name].get("checks", [])}
            for deviation in row["deviations"]:
                owner = deviation["fails"][0] if deviation["fails"] else "-"
                lines.append(
                    f"| `{name}` | {deviation['slug']} | {owner} | {deviation['documented']} | {_deviation_status(deviation, actual)} |"
                )
        lines.append("")
    return "\n".join(lines)


def _reports_of(results: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["implementation"]: row["report"] for row in results if "report" in row}


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """The table: implementation, version, spec, one verdict per family, wall time."""
    header = ["implementation", "version", "spec", *FAMILIES, "wall s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"`{row['implementation']}`", row["version"], row["spec"]]
        if "families" in row:
            cells += [row["families"][family] for family in FAMILIES]
        else:
            cells += [f"not run: {row['not_run']}".replace("|", "\\|").replace("\n", " ")]
            cells += [""] * (len(FAMILIES) - 1)
        cells.append(str(row.get("wall_s", "")))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def slowest_checks(rows: Sequence[dict[str, Any]], top: int = 3, share: float = 0.15) -> str:
    """Markdown: per row, its slowest checks (``duration_s`` of the suite's JSON) and their share
    of the row's summed check time; a share above ``share`` is marked."""
    lines = ["| row | wall s | checks' total s | slowest checks: s (share) |", "|---|---|---|---|"]
    for row in rows:
        checks = row.get("report", {}).get("checks", [])
        total = sum(c["duration_s"] for c in checks)
        if not checks or total <= 0:
            continue
        slow = sorted(checks, key=lambda c: -c["duration_s"])[:top]
        cells = ", ".join(
            f"{c['name']} {c['duration_s']:.1f} ({c['duration_s'] / total:.0%}{' > 15 %' if c['duration_s'] / total > share else ''})"
            for c in slow
        )
        lines.append(f"| `{row['implementation']}` | {row.get('wall_s', '')} | {total:.1f} | {cells} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m third_party.run", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results",
                        help="where results.md and results.json go (default: %(default)s)")
    parser.add_argument("-n", dest="workers", type=int, default=2, help="worker processes per run")
    parser.add_argument("-k", dest="select", default="",
                        help="only the implementation of this name, else those whose name contains this")
    parser.add_argument("--expected", type=Path, default=EXPECTED,
                        help="the verdicts written before the run (default: %(default)s)")
    parser.add_argument("--compare", type=Path, metavar="RESULTS_JSON",
                        help="do not run: compare this results.json of an earlier run with --expected")
    arguments = parser.parse_args(argv)
    expected = json.loads(arguments.expected.read_text(encoding="utf-8"))
    if arguments.compare is not None:
        results = json.loads(arguments.compare.read_text(encoding="utf-8"))
        reports = {k: v for k, v in _reports_of(results).items() if arguments.select in k}
        print(comparison_report(expected, reports))
        return 0
    exact = [i for i in IMPLEMENTATIONS if arguments.select == i.name]
    chosen = exact or [i for i in IMPLEMENTATIONS if arguments.select in i.name]
    start = time.perf_counter()
    rows = []
    arguments.out.mkdir(parents=True, exist_ok=True)
    for implementation in chosen:
        rows.append(_run(implementation, arguments.workers))
        print(f"{implementation.name} against {implementation.spec}: "
              f"{rows[-1].get('wall_s', 0)} s", file=sys.stderr)
        # Kept after every row: an interrupted run still leaves the rows it finished.
        (arguments.out / "results.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    table = markdown_table(rows)
    total = f"{len(rows)} runs in {time.perf_counter() - start:.0f} s, -n {arguments.workers}"
    print(table)
    print(f"\n{total}")
    slowest = slowest_checks(rows)
    print(f"\n{slowest}")
    (arguments.out / "results.md").write_text(f"{table}\n\n{total}\n\n{slowest}\n", encoding="utf-8")
    (arguments.out / "results.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    comparison = comparison_report(expected, _reports_of(rows))
    print(f"\n{comparison}")
    (arguments.out / "comparison.md").write_text(comparison + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run the conformance suite on other libraries' optimizers; print a markdown table, write JSON.

    python -m third_party.run [--out DIR] [-n WORKERS] [-k NAME]

from the repository root, in an environment holding ``third_party/requirements.txt``. Each row
of :data:`third_party.adapters.IMPLEMENTATIONS` is checked with the CLI
(``python -m conformance --spec SPEC FACTORY -n WORKERS --json ...``) in its own process; a row
whose spec is not shipped, or whose library cannot be imported, is reported as not run, with why.
The table has one verdict per check family (the chapter of ``conformance/checks`` a check comes
from); ``DIR/results.json`` has every check's outcome and message, ``DIR/results.md`` the table.
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
from pathlib import Path
from typing import Any

from conformance.checks import check_families
from conformance.specs import SPECS, load_spec

from .adapters import IMPLEMENTATIONS, Implementation

__all__ = ["family_verdicts", "main", "markdown_table"]

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
        failed = [c["name"] for c in mine if c["outcome"] == "failed"]
        if failed:
            verdicts[family] = f"{len(failed)}/{len(mine)} fail: {', '.join(failed)}"
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m third_party.run", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results",
                        help="where results.md and results.json go (default: %(default)s)")
    parser.add_argument("-n", dest="workers", type=int, default=2, help="worker processes per run")
    parser.add_argument("-k", dest="select", default="",
                        help="only the implementations whose name contains this")
    arguments = parser.parse_args(argv)
    chosen = [i for i in IMPLEMENTATIONS if arguments.select in i.name]
    start = time.perf_counter()
    rows = []
    for implementation in chosen:
        rows.append(_run(implementation, arguments.workers))
        print(f"{implementation.name} against {implementation.spec}: "
              f"{rows[-1].get('wall_s', 0)} s", file=sys.stderr)
    table = markdown_table(rows)
    total = f"{len(rows)} runs in {time.perf_counter() - start:.0f} s, -n {arguments.workers}"
    print(table)
    print(f"\n{total}")
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "results.md").write_text(f"{table}\n\n{total}\n", encoding="utf-8")
    (arguments.out / "results.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

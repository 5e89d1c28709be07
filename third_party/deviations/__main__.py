"""Run every deviation script, one process each, and say which did not show what it claims:

    python -m third_party.deviations [-k TEXT]

A ``*_keeps_*`` script must exit 0 (the rule is kept), any other 1 (the deviation shows); 2 is a
crash. Also lists the scripts that expected.json names but that do not exist. Exits 1 if any
script surprised.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
EXPECTED = HERE.parent / "expected.json"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m third_party.deviations", description=__doc__.split("\n")[0])
    parser.add_argument("-k", dest="select", default="", help="only the scripts whose name contains this")
    arguments = parser.parse_args()
    scripts = sorted(p.stem for p in HERE.glob("*.py") if p.stem not in ("__init__", "__main__", "side_by_side"))
    named = {
        entry["script"].rpartition(".")[2]
        for row in json.loads(EXPECTED.read_text(encoding="utf-8"))["rows"].values()
        for entry in (*row["deviations"], *row["kept"])
    }
    surprises = [f"{name}: named in expected.json, no such script" for name in sorted(named - set(scripts))]
    for name in (s for s in scripts if arguments.select in s):
        wanted = 0 if "_keeps_" in name else 1
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"third_party.deviations.{name}"], capture_output=True, text=True, check=False)
        verdict = "as claimed" if done.returncode == wanted else f"SURPRISE (exit {done.returncode}, wanted {wanted})"
        print(f"{name}: {verdict} ({time.perf_counter() - start:.0f} s)", flush=True)
        if done.returncode != wanted:
            surprises.append(f"{name}: exit {done.returncode}\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
    print("\n".join(surprises) if surprises else "every script shows what it claims")
    return 1 if surprises else 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m conformance MODULE:ATTR``: check an implementation, print a report, exit 0/1/2.

Exit codes: 0 every check passed (skips, expected failures and XPASS allowed), 1 a check
FAILED (a check that hangs past ``--timeout`` or crashes its worker process fails alone) or the
implementation cannot even be constructed, 2 a usage error (bad option, a target that cannot be
imported or called).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from .isolation import DEFAULT_TIMEOUT_S
    from .profiles import DEFAULT_PROFILE, THOROUGH_PROFILE
    from .specs import DEFAULT_SPEC, SPECS
    from .target import DEFAULT_TARGET

    parser = argparse.ArgumentParser(
        prog="python -m conformance",
        description="Check an optimizer against the documented semantics of its torch.optim "
        "counterpart (by default: an Adadelta against torch.optim.Adadelta).",
    )
    parser.add_argument(
        "target",
        nargs="?",
        help=f"MODULE:ATTR (or MODULE.ATTR) of an optimizer class or factory (default, for "
        f"the Adadelta spec only: {DEFAULT_TARGET})",
    )
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the report as JSON")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="where params live")
    parser.add_argument(
        "-k", dest="select", metavar="EXPR", default="",
        help="run the checks matching EXPR: substrings of check names with and/or/not/()",
    )
    parser.add_argument("--list", action="store_true", help="list the selected checks and exit")
    parser.add_argument(
        "--expected-failures", metavar="FILE", type=Path,
        help='JSON {"check_name": "reason"}: such failures are reported as xfail',
    )
    parser.add_argument(
        "--profile", default=DEFAULT_PROFILE,
        help=f"hypothesis profile: {DEFAULT_PROFILE} (fixed examples, fast), {THOROUGH_PROFILE} "
        "(many random examples) or any registered one (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, help="hypothesis seed of a randomized profile")
    parser.add_argument(
        "-n", dest="workers", type=int, default=1, metavar="N",
        help="worker processes running the checks (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
        help="a check still running after this long fails, and its worker is killed "
        "(default: %(default)g)",
    )
    parser.add_argument(
        "--distributed", action="store_true",
        help="also run the distributed checks (DDP, FSDP2, distributed checkpoints; they spawn "
        "2 gloo processes)",
    )
    parser.add_argument(
        "--spec", default=DEFAULT_SPEC, metavar="NAME",
        help=f"the semantics to check against: a shipped spec ({', '.join(SPECS)}) or "
        "MODULE:ATTR of your own OptimizerSpec (default: %(default)s)",
    )
    parser.add_argument(
        "--list-specs", action="store_true", help="list the shipped specs and their references, and exit"
    )
    return parser


def _spec_listing() -> str:
    from .specs import SPECS, load_spec

    width = max(len(name) for name in SPECS)
    return "\n".join(
        f"{name:<{width}}  {load_spec(name).reference_name}  ({target})"
        for name, target in SPECS.items()
    )


def main(argv: Sequence[str] | None = None) -> int:
    from .quiet_torch import import_torch

    import_torch()
    parser = _parser()
    arguments = parser.parse_args(argv)

    import torch
    from hypothesis.errors import InvalidArgument

    from .expected_failures import ExpectedFailuresError, load_expected_failures
    from .profiles import settings_for
    from .recipe import Recipe, available_checks
    from .runner import run, seed_for, selected
    from .selection import SelectionError
    from .specs import DEFAULT_SPEC, load_spec
    from .target import DEFAULT_TARGET, TargetError

    if arguments.list_specs:
        print(_spec_listing())
        return 0
    try:
        spec = load_spec(arguments.spec)
    except TargetError as error:
        parser.error(f"--spec {arguments.spec}: {error}")
    if arguments.target is None:
        if arguments.spec.lower() != DEFAULT_SPEC and not arguments.list:
            parser.error(
                f"--spec {arguments.spec}: name the implementation to check, e.g. "
                f"python -m conformance --spec {arguments.spec} {spec.reference_name}"
            )
        arguments.target = DEFAULT_TARGET
    try:
        checks = selected(available_checks(spec, arguments.distributed), arguments.select)
        if not checks:
            parser.error(f"-k {arguments.select!r} selects no check (--list shows them)")
        if arguments.list:
            print("\n".join(c.name for c in checks))
            return 0
        if arguments.workers < 1:
            parser.error(f"-n {arguments.workers}: needs at least 1 worker")
        if not (arguments.timeout > 0 and math.isfinite(arguments.timeout)):
            parser.error(f"--timeout {arguments.timeout:g}: needs a positive, finite number of seconds")
        if arguments.device == "cuda" and not torch.cuda.is_available():
            parser.error("--device cuda: torch.cuda.is_available() is False")
        settings_for(arguments.profile)
        expected = (
            {} if arguments.expected_failures is None
            else load_expected_failures(arguments.expected_failures)
        )
        seed = seed_for(arguments.profile, arguments.seed)
        recipe = Recipe(
            arguments.target,
            arguments.spec,
            arguments.device,
            arguments.profile,
            seed,
            arguments.distributed,
        )
        subject = recipe.subject()
    except (TargetError, SelectionError, ExpectedFailuresError) as error:
        parser.error(str(error))
    except InvalidArgument as error:
        parser.error(f"--profile {arguments.profile}: {error}")

    report = run(
        subject,
        checks,
        expected_failures=expected,
        workers=min(arguments.workers, len(checks)),
        recipe=recipe,
        profile=arguments.profile,
        timeout_s=arguments.timeout,
    )
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(report.render())
    if arguments.json is not None:
        arguments.json.write_text(report.dumps() + "\n", encoding="utf-8")
    return report.exit_code

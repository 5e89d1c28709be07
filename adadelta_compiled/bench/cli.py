"""``python -m adadelta_compiled.bench``: options, their validation, and where the output goes.

Every option is checked before anything is measured, so a typo costs no benchmark time.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from .implementations import BUILTIN_NAMES, resolve
from .plot import MissingPlotDependency, require_matplotlib, save_plot
from .report import render, to_json
from .runner import run
from .rounds import MIN_ROUNDS
from .settings import DTYPES, Settings
from .workloads import WORKLOADS

__all__ = ["build_parser", "main", "parse_settings"]

_DEFAULTS = Settings()
_QUICK_ROUNDS = 5


def _positive(kind: type[int] | type[float]):  # type: ignore[no-untyped-def]
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its errors
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m adadelta_compiled.bench",
        description=(
            "Benchmark Adadelta implementations side by side. Step time: for each workload, one "
            "fresh process steps every implementation and runs a streaming kernel with the "
            "step's memory traffic (its bandwidth bound) in alternating rounds, and reports "
            "medians and interquartile ranges over the rounds. Every other measurement runs in "
            "a fresh process of its own: peak memory, graphs and recompiles with an lr that "
            "changes every step, and (with --first-step) the first step with an empty and with "
            "a warm Inductor cache. Progress goes to stderr, the table to stdout."
        ),
    )
    parser.add_argument(
        "--impl", action="append", metavar="NAME", dest="implementations",
        help=f"an implementation to measure, repeatable: one of {', '.join(BUILTIN_NAMES)}, or "
        "MODULE:ATTR naming a callable with torch.optim.Adadelta's constructor "
        "(e.g. torch.optim:Adadelta); default: every built-in",
    )  # fmt: skip
    parser.add_argument(
        "--workload", action="append", choices=[w.name for w in WORKLOADS], dest="workloads",
        help="a workload to step, repeatable; default: all",
    )  # fmt: skip
    parser.add_argument("--dtype", choices=list(DTYPES), default=_DEFAULTS.dtype,
                        help="params, grads and state dtype (default: %(default)s)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default=_DEFAULTS.device,
                        help="default: %(default)s")
    parser.add_argument(
        "--steps", type=_positive(int), default=_DEFAULTS.steps, metavar="N",
        help="steps over which graphs and recompiles are counted, lr changing every step "
        "(default: %(default)s; the recompile target counts 1000)",
    )  # fmt: skip
    parser.add_argument(
        "--rounds", type=_positive(int), default=None, metavar="N",
        help=f"rounds of the step-time measurement, each one step of every implementation and "
        f"one run of the streaming kernel (default: {_DEFAULTS.rounds}; {_QUICK_ROUNDS} with "
        f"--quick; at least {MIN_ROUNDS})",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true",
                        help="tiny workloads and few rounds: a smoke test, not figures")
    parser.add_argument(
        "--step-time-only", action="store_true",
        help="measure only the step times (the rounds): no peak memory, compiles or first steps",
    )  # fmt: skip
    parser.add_argument(
        "--first-step", nargs="*", metavar="IMPL",
        help="also measure the first step in a fresh process with an empty Inductor cache "
        "(cold) and again with that cache (warm): of the named implementations, or of all "
        "measured ones when none is named. Slow: compiling can take minutes per workload",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", type=_positive(float), default=_DEFAULTS.timeout, metavar="SECONDS",
        help="kill a measurement's process after this long and report 'timeout > Ns' "
        "(default: %(default)g)",
    )  # fmt: skip
    parser.add_argument(
        "--kept-grads", action="store_true",
        help="step with the same grad tensors every step (zero_grad(set_to_none=False), grad "
        "accumulation) instead of new ones every step (torch's default zero_grad(), the default)",
    )  # fmt: skip
    parser.add_argument("--threads", type=_positive(int), metavar="N",
                        help="torch threads for every measurement (default: torch's default)")
    parser.add_argument(
        "--candidate", metavar="NAME", default=_DEFAULTS.candidate,
        help="the implementation the targets are checked for (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--plot", type=Path, metavar="PATH",
                        help="also draw the roofline multiples as a PNG (needs the plot extra)")
    return parser


def parse_settings(
    argv: Sequence[str] | None = None,
) -> tuple[Settings, argparse.Namespace]:
    """Parse and validate the command line; a bad option exits with status 2 and says why."""
    parser = build_parser()
    args = parser.parse_args(argv)
    implementations = tuple(dict.fromkeys(args.implementations or BUILTIN_NAMES))
    for name in implementations:
        try:
            resolve(name)
        except ValueError as error:
            parser.error(str(error))
    first_step: tuple[str, ...] = ()
    if args.first_step is not None:
        if args.step_time_only:
            parser.error("--first-step: --step-time-only measures no first steps")
        first_step = tuple(args.first_step) or implementations
        for name in first_step:
            if name not in implementations:
                parser.error(
                    f"--first-step {name}: not among the measured implementations "
                    f"({', '.join(implementations)})"
                )
    if args.candidate not in implementations and args.candidate != _DEFAULTS.candidate:
        parser.error(f"--candidate {args.candidate}: not among the measured implementations")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error(
            "--device cuda: torch sees no CUDA device (torch.cuda.is_available() is False)"
        )
    for option, path in (("--json", args.json), ("--plot", args.plot)):
        if path is not None and not path.parent.is_dir():
            parser.error(f"{option} {path}: directory {path.parent} does not exist")
    if args.plot is not None:
        try:
            require_matplotlib()
        except MissingPlotDependency as error:
            parser.error(str(error))
    rounds = args.rounds
    if rounds is None:
        rounds = _QUICK_ROUNDS if args.quick else _DEFAULTS.rounds
    if rounds < MIN_ROUNDS:
        parser.error(f"--rounds {rounds}: quartiles need at least {MIN_ROUNDS} rounds")
    settings = Settings(
        implementations=implementations,
        workloads=tuple(dict.fromkeys(args.workloads or _DEFAULTS.workloads)),
        dtype=args.dtype,
        device=args.device,
        steps=args.steps,
        quick=args.quick,
        first_step=first_step,
        timeout=args.timeout,
        rounds=rounds,
        step_time_only=args.step_time_only,
        candidate=args.candidate,
        threads=args.threads,
        grads="kept" if args.kept_grads else "fresh",
    )
    return settings, args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every measurement finished (met targets or not), else 1."""
    settings, args = parse_settings(argv)
    report = run(settings)
    print(render(report))
    if args.json is not None:
        args.json.write_text(json.dumps(to_json(report), indent=2) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    if args.plot is not None:
        save_plot(report, args.plot)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 1 if report.failures() else 0

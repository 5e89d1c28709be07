"""A run's report: the text printed on stdout and the document ``--json`` writes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .format import (
    NOT_MEASURED,
    format_bytes,
    format_multiple,
    format_seconds,
    format_trial_seconds,
    format_unfinished,
)
from .machine import Machine
from .results import Result
from .roofline import Bandwidth, bytes_per_element
from .settings import Settings
from .targets import TargetCheck
from .timing import StepTime
from .trial import DTYPES, TrialResult

__all__ = ["JSON_SCHEMA", "Report", "render", "to_json"]

JSON_SCHEMA = "adadelta_compiled.bench/1"


@dataclass
class Report:
    machine: Machine
    settings: Settings
    bandwidth: Bandwidth
    memory_method: str
    results: list[Result]
    targets: list[TargetCheck]


def _table(header: list[str], rows: list[list[str]], text_columns: int) -> str:
    """Columns padded to their widest cell: the first ``text_columns`` left-aligned, the rest
    (numbers) right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i < text_columns else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def _compile_cell(trial: TrialResult | None) -> str:
    if trial is None:
        return NOT_MEASURED
    count = trial.compiles
    return format_unfinished(trial) or (
        NOT_MEASURED if count is None else f"{count.graphs}/{count.recompiles}"
    )


# Other work above this many CPUs during a timing makes it suspect.
_CONTENDED_CPUS = 0.25


def _other_cpus_cell(step_time: StepTime | None) -> str:
    if step_time is None or step_time.other_cpus is None:
        return NOT_MEASURED
    return f"{step_time.other_cpus:.2f}"


def _row(result: Result) -> list[str]:
    step_time = result.steady.step_time
    roof = result.roofline
    return [
        result.workload,
        result.implementation,
        # A steady trial that did not finish says why where its median would be.
        format_unfinished(result.steady)
        or format_seconds(None if step_time is None else step_time.median),
        format_seconds(None if step_time is None else step_time.iqr),
        _other_cpus_cell(step_time),
        format_multiple(None if roof is None else roof.multiple),
        NOT_MEASURED if roof is None else f"{100 * roof.fraction:.0f}%",
        format_bytes(result.steady.peak_bytes),
        _compile_cell(result.counting_trial("float")),
        _compile_cell(result.counting_trial("tensor")),
        format_trial_seconds(result.cold_first_step),
        format_trial_seconds(result.warm_first_step),
    ]


_HEADER = [
    "workload", "implementation", "median", "IQR", "others", "x bound", "of BW", "peak mem",
    "float lr g/r", "Tensor lr g/r", "cold 1st", "warm 1st",
]  # fmt: skip


def _header(report: Report) -> list[str]:
    """What ran where, and how to read the table."""
    machine, settings = report.machine, report.settings
    load = machine.load_average
    lines = [
        f"adadelta_compiled.bench: {settings.device}, {settings.dtype}"
        + (", --quick (smoke-test sizes: not figures to quote)" if settings.quick else ""),
        f"machine: {machine.cpu_model}, {machine.cpu_count} CPUs"
        + (f", {machine.accelerator}" if machine.accelerator else "")
        + f"; Python {machine.python}, torch {machine.torch_version}, {machine.threads} threads"
        + ("" if load is None else "; load average at start {:.2f} {:.2f} {:.2f}".format(*load)),
        f"bandwidth: {report.bandwidth.bytes_per_second / 1e9:.1f} GB/s (measured "
        + ", ".join(f"{rate / 1e9:.1f}" for rate in report.bandwidth.per_measurement)
        + f"), {report.bandwidth.method}",
        "grads: "
        + (
            "kept: the same grad tensors every step (--kept-grads)"
            if settings.grads == "kept"
            else "fresh: new grad tensors before every step, as after torch's default "
            "zero_grad() and backward (not timed)"
        ),
        f"roofline: a step moves {bytes_per_element(DTYPES[settings.dtype])} bytes/element "
        f"({settings.dtype}); x bound = median / bandwidth-bound time (1.00x = at the limit), "
        "of BW = its inverse",
    ]
    workloads = {r.workload: r for r in report.results}
    lines.append(
        "bound per step: "
        + "; ".join(
            f"{name} {format_seconds(r.bound_seconds)} "
            f"({r.numel:,} elements in {r.tensors} tensor{'' if r.tensors == 1 else 's'})"
            for name, r in workloads.items()
        )
    )
    return lines + [
        "others: CPUs that other processes kept busy while the step was timed (/proc/stat, "
        "steal included); a timing with others above "
        f"{_CONTENDED_CPUS} shared its cores and is suspect",
        f"peak mem: {report.memory_method}, optimizer state included",
        f"g/r: graphs compiled / Dynamo recompiles over {settings.steps} steps with lr changing "
        "every step ('-': eager, not counted)",
        "cold/warm 1st: first step in a fresh process with an empty / the same Inductor cache",
    ]


def _notes(report: Report) -> list[str]:
    """Steps that beat the bound, and trials that failed."""
    lines = []
    beaten = [r for r in report.results if r.roofline is not None and r.roofline.multiple < 1]
    if beaten:
        lines += [
            "",
            f"note: {len(beaten)} step time(s) beat the bandwidth bound (x bound < 1.00x): the "
            "streaming kernel never saw the bandwidth those steps got, so the bound is an "
            "underestimate here (other work on the machine, or a bandwidth the streaming "
            "kernel does not reach); compare implementations with each other",
        ]
    contended = [
        r for r in report.results
        if r.steady.step_time is not None and (r.steady.step_time.other_cpus or 0) > _CONTENDED_CPUS
    ]  # fmt: skip
    if contended:
        lines += [
            "",
            f"warning: {len(contended)} of {len(report.results)} timings shared their cores with "
            "other work (others > "
            f"{_CONTENDED_CPUS}): rerun them on a quiet machine, or with --threads 1",
        ]
    failures = [
        f"  {result.implementation} on {result.workload} ({role}): {trial.error}"
        for result in report.results
        for role, trial in result.trials().items()
        if trial.error is not None
    ]
    if failures:
        lines += ["", "failures:", *failures]
    return lines


def _targets(report: Report) -> list[str]:
    candidate = report.settings.candidate
    if not report.targets:
        return ["", f"targets: not checked, {candidate} was not measured"]
    rows = [[c.workload, c.target, c.measured, c.status] for c in report.targets]
    header = ["workload", "target", "measured", "status"]
    return ["", f"targets ({candidate}):", _table(header, rows, text_columns=4)]


def render(report: Report) -> str:
    """The text report: what ran where, the table, notes and failures, then the targets."""
    table = _table(_HEADER, [_row(result) for result in report.results], text_columns=2)
    return "\n".join([*_header(report), "", table, *_notes(report), *_targets(report)])


def to_json(report: Report) -> dict[str, Any]:
    """The ``--json`` document: settings, machine, bandwidth, every trial, derived figures."""
    return {
        "schema": JSON_SCHEMA,
        "settings": asdict(report.settings),
        "machine": asdict(report.machine),
        "bandwidth": asdict(report.bandwidth),
        "bytes_per_element": bytes_per_element(DTYPES[report.settings.dtype]),
        "memory_method": report.memory_method,
        "results": [
            {
                "workload": result.workload,
                "implementation": result.implementation,
                "numel": result.numel,
                "tensors": result.tensors,
                "bound_seconds": result.bound_seconds,
                "roofline": None if result.roofline is None else asdict(result.roofline),
                "trials": {role: asdict(trial) for role, trial in result.trials().items()},
            }
            for result in report.results
        ],
        "targets": [asdict(check) for check in report.targets],
    }

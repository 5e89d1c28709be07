"""A run's report: the text printed on stdout and the document ``--json`` writes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .format import (
    NOT_MEASURED,
    format_bytes,
    format_multiple,
    format_seconds,
    format_seconds_range,
    format_trial_seconds,
    format_unfinished,
)
from .machine import Machine
from .results import Result
from .roofline import bytes_per_element, bytes_per_second
from .settings import DTYPES, Settings
from .targets import STEP_TIME_TARGET, TargetCheck
from .trial import TrialResult

__all__ = ["JSON_SCHEMA", "Report", "render", "to_json"]

JSON_SCHEMA = "adadelta_compiled.bench/2"


@dataclass
class Report:
    """A run's settings, machine and results.

    Attributes:
        rounds: each workload's ``rounds`` trial, by workload name, where one ran.
    """

    machine: Machine
    settings: Settings
    memory_method: str
    rounds: dict[str, TrialResult]
    results: list[Result]
    targets: list[TargetCheck]

    def failures(self) -> list[str]:
        """``what (role): error`` for every trial that failed with an error."""
        own = [
            f"{result.implementation} on {result.workload} ({role}): {trial.error}"
            for result in self.results
            for role, trial in result.trials().items()
            if trial.error is not None
        ]
        shared = [
            f"step-time rounds on {workload}: {trial.error}"
            for workload, trial in self.rounds.items()
            if trial.error is not None
        ]
        return own + shared

    def stream_bandwidths(self) -> dict[str, float]:
        """Bytes per second of the streaming kernel in each workload's rounds, where measured."""
        numel = {result.workload: result.numel for result in self.results}
        dtype = DTYPES[self.settings.dtype]
        return {
            workload: bytes_per_second(numel[workload], dtype, trial.rounds.stream.median)
            for workload, trial in self.rounds.items()
            if trial.rounds is not None
        }


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


def _unfinished(result: Result) -> str | None:
    """Why a result has no step time: its steady trial or the rounds did not finish."""
    for trial in (result.steady, result.rounds):
        why = None if trial is None else format_unfinished(trial)
        if why is not None:
            return why
    return None


def _row(result: Result, launches: bool, step_time_only: bool) -> list[str]:
    step = result.step_time
    roof = result.roofline
    row = [
        result.workload,
        result.implementation,
        # A trial that did not finish says why where the median would be.
        _unfinished(result) or format_seconds(None if step is None else step.median),
        NOT_MEASURED if step is None else format_seconds_range(step.q1, step.q3),
        format_multiple(None if roof is None else roof.multiple),
        NOT_MEASURED if roof is None else f"{100 * roof.fraction:.0f}%",
    ]
    if launches:
        count = result.launches_per_step
        row.append(NOT_MEASURED if count is None else f"{count:g}")
    if step_time_only:
        return row
    return row + [
        format_bytes(result.peak_bytes),
        _compile_cell(result.counting_trial("float")),
        _compile_cell(result.counting_trial("tensor")),
        format_trial_seconds(result.cold_first_step),
        format_trial_seconds(result.warm_first_step),
    ]


def _header_row(launches: bool, step_time_only: bool) -> list[str]:
    return [
        "workload", "implementation", "median", "IQR", "x bound", "of BW",
        *(["launches/step"] if launches else []),
        *([] if step_time_only else
          ["peak mem", "float lr g/r", "Tensor lr g/r", "cold 1st", "warm 1st"]),
    ]  # fmt: skip


def _stream_line(report: Report) -> str:
    """Each workload's streaming kernel: its time in the rounds and the bandwidth it reached."""
    bandwidths = report.stream_bandwidths()
    workloads = {result.workload: result for result in report.results}
    cells = []
    for name, result in workloads.items():
        stream = result.stream_time
        size = (
            f"{result.numel:,} elements in {result.tensors} "
            f"tensor{'' if result.tensors == 1 else 's'}"
        )
        if stream is None:
            cells.append(f"{name} {NOT_MEASURED} ({size})")
            continue
        cells.append(
            f"{name} {format_seconds(stream.median)} "
            f"(IQR {format_seconds_range(stream.q1, stream.q3)}; {size}) = "
            f"{bandwidths[name] / 1e9:.3g} GB/s"
        )
    return "streaming kernel (median of the rounds): " + "; ".join(cells)


def _header(report: Report) -> list[str]:
    """What ran where, and how to read the table."""
    machine, settings = report.machine, report.settings
    load = machine.load_average
    step_bytes = bytes_per_element(DTYPES[settings.dtype])
    lines = [
        f"adadelta_compiled.bench: {settings.device}, {settings.dtype}"
        + (", --quick (smoke-test sizes: not figures to quote)" if settings.quick else ""),
        f"machine: {machine.cpu_model}, {machine.cpu_count} CPUs"
        + (f", {machine.accelerator}" if machine.accelerator else "")
        + f"; Python {machine.python}, torch {machine.torch_version}, {machine.threads} threads"
        + ("" if load is None else "; load average at start {:.2f} {:.2f} {:.2f}".format(*load)),
        f"step time: median and IQR (q1-q3) over {settings.rounds} rounds, each round one step "
        "of every implementation and one run of the streaming kernel, in an order rotated "
        "every round; half the rounds in a fresh process per workload, half in another with "
        "the implementations built in reverse order (buffers allocated first step faster)",
        "grads: "
        + (
            "kept: the same grad tensors every step (--kept-grads)"
            if settings.grads == "kept"
            else "fresh: new grad tensors before every step, as after torch's default "
            "zero_grad() and backward (not timed)"
        ),
        f"roofline: a step moves {step_bytes} bytes/element ({settings.dtype}), and so does the "
        "streaming kernel (4 reads, 3 writes of the workload's element count, in place); "
        "x bound = median / the streaming kernel's median in the same rounds (1.00x = at the "
        "limit), of BW = its inverse",
        _stream_line(report),
    ]
    if settings.device == "cuda":
        lines.append("launches/step: CUDA kernel launches per step (torch.profiler)")
    if settings.step_time_only:
        return lines + ["--step-time-only: no peak memory, compiles or first steps measured"]
    return lines + [
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
            f"note: {len(beaten)} step time(s) beat the streaming kernel (x bound < 1.00x): "
            "those steps moved their bytes faster than a kernel with the same traffic in the "
            "same rounds (a workload that fits a cache, or a kernel Inductor tiles better); "
            "compare implementations with each other",
        ]
    failures = report.failures()
    if failures:
        lines += ["", "failures:", *(f"  {failure}" for failure in failures)]
    return lines


def _targets(report: Report) -> list[str]:
    candidate = report.settings.candidate
    if not report.targets:
        return ["", f"targets: not checked, {candidate} was not measured"]
    checks = report.targets
    if report.settings.step_time_only:  # the others cannot be measured by such a run
        checks = [c for c in checks if c.target.startswith(STEP_TIME_TARGET)]
    rows = [[c.workload, c.target, c.measured, c.status] for c in checks]
    header = ["workload", "target", "measured", "status"]
    return ["", f"targets ({candidate}):", _table(header, rows, text_columns=4)]


def render(report: Report) -> str:
    """The text report: what ran where, the table, notes and failures, then the targets."""
    launches = report.settings.device == "cuda"
    step_time_only = report.settings.step_time_only
    rows = [_row(result, launches, step_time_only) for result in report.results]
    table = _table(_header_row(launches, step_time_only), rows, text_columns=2)
    return "\n".join([*_header(report), "", table, *_notes(report), *_targets(report)])


def _optional(value: Any) -> Any:
    return None if value is None else asdict(value)


def to_json(report: Report) -> dict[str, Any]:
    """The ``--json`` document: settings, machine, every trial, derived figures."""
    bandwidths = report.stream_bandwidths()
    return {
        "schema": JSON_SCHEMA,
        "settings": asdict(report.settings),
        "machine": asdict(report.machine),
        "bytes_per_element": bytes_per_element(DTYPES[report.settings.dtype]),
        "memory_method": report.memory_method,
        "rounds": {
            workload: {**asdict(trial), "stream_bytes_per_second": bandwidths.get(workload)}
            for workload, trial in report.rounds.items()
        },
        "results": [
            {
                "workload": result.workload,
                "implementation": result.implementation,
                "numel": result.numel,
                "tensors": result.tensors,
                "step_time": _optional(result.step_time),
                "stream_time": _optional(result.stream_time),
                "roofline": _optional(result.roofline),
                "launches_per_step": result.launches_per_step,
                "trials": {role: asdict(trial) for role, trial in result.trials().items()},
            }
            for result in report.results
        ],
        "targets": [asdict(check) for check in report.targets],
    }

"""``--plot``: each implementation's step time as a multiple of the streaming kernel's (the
bandwidth bound, timed in the same rounds), as a PNG.

matplotlib is the optional ``plot`` extra; :func:`require_matplotlib` says how to install it,
and the command line calls it before measuring anything.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from .report import Report

__all__ = ["MissingPlotDependency", "require_matplotlib", "save_plot"]

INSTALL_HINT = "pip install adadelta-compiled[plot]"


class MissingPlotDependency(ImportError):
    """matplotlib, which --plot needs, is not installed."""


def require_matplotlib() -> ModuleType:
    """``matplotlib.pyplot`` on the non-interactive Agg backend, or MissingPlotDependency."""
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError as error:
        raise MissingPlotDependency(
            f"--plot needs matplotlib, which is not installed: {INSTALL_HINT}"
        ) from error
    matplotlib.use("Agg")
    return importlib.import_module("matplotlib.pyplot")


def save_plot(report: Report, path: str | Path) -> None:
    """Grouped bars: workloads along x, one bar per implementation, the bound at 1.0."""
    pyplot = require_matplotlib()
    ticker = importlib.import_module("matplotlib.ticker")
    workloads = list(dict.fromkeys(r.workload for r in report.results))
    implementations = list(dict.fromkeys(r.implementation for r in report.results))
    by_key = {(r.workload, r.implementation): r for r in report.results}
    width = 0.8 / max(len(implementations), 1)
    figure, axes = pyplot.subplots(figsize=(2.2 * len(workloads) + 3, 4.5))
    for index, implementation in enumerate(implementations):
        positions, multiples = [], []
        for position, workload in enumerate(workloads):
            result = by_key.get((workload, implementation))
            roof = None if result is None else result.roofline
            if roof is not None:
                positions.append(position + (index - (len(implementations) - 1) / 2) * width)
                multiples.append(roof.multiple)
        bars = axes.bar(positions, multiples, width, label=implementation)
        axes.bar_label(bars, labels=[f"{m:.2f}" for m in multiples], fontsize=7)
    axes.axhline(1.0, color="black", linewidth=1, linestyle="--", label="bandwidth bound")
    axes.set_xticks(range(len(workloads)), workloads)
    axes.set_yscale("log")
    multiple_label = ticker.FuncFormatter(lambda value, _: f"{value:g}x")
    axes.yaxis.set_major_formatter(multiple_label)
    axes.yaxis.set_minor_formatter(multiple_label)
    axes.set_ylabel("step time / streaming kernel's time")
    machine, settings = report.machine, report.settings
    axes.set_title(
        f"Adadelta step, {settings.dtype}: {machine.accelerator or machine.cpu_model}, "
        f"{machine.threads} threads, torch {machine.torch_version}",
        fontsize=9,
    )
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)

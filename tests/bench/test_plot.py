"""--plot: a PNG where matplotlib is installed, a clear error where it is not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from adadelta_compiled.bench.plot import MissingPlotDependency, require_matplotlib, save_plot

from .fakes import make_report, make_result


def test_missing_matplotlib_says_how_to_install_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(MissingPlotDependency, match=r"pip install adadelta-compiled\[plot\]"):
        require_matplotlib()


def test_save_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    report = make_report(
        [make_result("torch-foreach"), make_result("adadelta_compiled")], workloads=("resnet50",)
    )
    path = tmp_path / "roofline.png"
    save_plot(report, path)
    assert path.read_bytes().startswith(b"\x89PNG")

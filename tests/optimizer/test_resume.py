"""A run killed mid-way and resumed from its last checkpoint follows the uninterrupted run."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from .resumable_training import run

STEPS, KILL_AT = 30, 13
REPO = Path(__file__).resolve().parents[2]


def _killed_run(impl: str, checkpoint: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.optimizer.resumable_training", impl, str(checkpoint),
         str(STEPS), "--kill-at", str(KILL_AT)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == -signal.SIGKILL, completed.stderr
    assert torch.load(checkpoint, weights_only=True)["step"] == 10


@pytest.mark.parametrize(
    ("killed_impl", "resumed_impl"),
    [("adadelta_compiled", "adadelta_compiled"), ("torch", "adadelta_compiled"),
     ("adadelta_compiled", "torch")],
)
def test_resumed_run_follows_the_uninterrupted_one(
    tmp_path: Path, killed_impl: str, resumed_impl: str
) -> None:
    checkpoint = tmp_path / "checkpoint.pt"
    _killed_run(killed_impl, checkpoint)
    resumed = run(resumed_impl, checkpoint, STEPS, resume=True)
    uninterrupted = run(resumed_impl, tmp_path / "uninterrupted.pt", STEPS)
    same_implementation = killed_impl == resumed_impl
    tolerance = {"rtol": 0, "atol": 0} if same_implementation else {"rtol": 1e-5, "atol": 1e-6}
    for resumed_param, param in zip(resumed.parameters(), uninterrupted.parameters(), strict=True):
        torch.testing.assert_close(resumed_param, param, **tolerance)

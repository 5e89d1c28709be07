"""A small training run that checkpoints as it goes and can kill itself mid-way.

    python -m tests.optimizer.resumable_training IMPL CHECKPOINT STEPS [--kill-at N] [--resume]

IMPL is ``adadelta_compiled`` or ``torch``. A checkpoint (model, optimizer, LR scheduler and
step index) is written atomically every ``CHECKPOINT_EVERY`` steps; ``--kill-at N`` sends the
process SIGKILL at step N, as an out-of-memory killer or a preempted node would.
"""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

import torch

import adadelta_compiled

CHECKPOINT_EVERY = 5
OPTIMIZERS = {"adadelta_compiled": adadelta_compiled.Adadelta, "torch": torch.optim.Adadelta}


def build(impl: str) -> tuple[torch.nn.Module, torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    opt = OPTIMIZERS[impl](model.parameters(), lr=1.0, weight_decay=1e-3)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5)
    return model, opt, scheduler


def train_step(model: torch.nn.Module, opt: torch.optim.Optimizer, step: int) -> None:
    data = torch.randn(32, 8, generator=torch.Generator().manual_seed(step))
    opt.zero_grad()
    model(data).square().mean().backward()
    opt.step()


def run(impl: str, checkpoint: Path, steps: int, kill_at: int | None = None,
        resume: bool = False) -> torch.nn.Module:
    """Train to ``steps`` (from the checkpoint if ``resume``) and return the model."""
    model, opt, scheduler = build(impl)
    start = 0
    if resume:
        saved = torch.load(checkpoint, weights_only=True)
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        start = saved["step"]
    for step in range(start, steps):
        if step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        train_step(model, opt, step)
        scheduler.step()
        if (step + 1) % CHECKPOINT_EVERY == 0:
            partial = checkpoint.with_suffix(".partial")
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                        "scheduler": scheduler.state_dict(), "step": step + 1}, partial)
            os.replace(partial, checkpoint)
    return model


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("impl", choices=sorted(OPTIMIZERS))
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("steps", type=int)
    parser.add_argument("--kill-at", type=int)
    parser.add_argument("--resume", action="store_true")
    arguments = parser.parse_args()
    run(arguments.impl, arguments.checkpoint, arguments.steps, arguments.kill_at, arguments.resume)

"""adadelta_compiled.Adadelta under DistributedDataParallel, in 2 spawned gloo ranks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.distributed


def test_ddp_training_matches_one_process_with_float_and_tensor_lr(
    problems: dict[str, str | None],
) -> None:
    assert problems["ddp_matches_one_process"] is None

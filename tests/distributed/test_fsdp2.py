"""adadelta_compiled.Adadelta on DTensor params: FSDP2 (fully_shard) and hand-made DTensors,
in 2 spawned gloo ranks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.distributed


def test_fsdp2_training_matches_one_process_with_float_and_tensor_lr(
    problems: dict[str, str | None],
) -> None:
    assert problems["fsdp2_matches_one_process"] is None


def test_fsdp2_state_is_sharded_like_params_and_step_stays_a_plain_tensor(
    problems: dict[str, str | None],
) -> None:
    assert problems["fsdp2_state_like_reference"] is None


def test_grads_of_other_placements_than_their_param_step_as_torch_does(
    problems: dict[str, str | None],
) -> None:
    assert problems["dtensor_grads_of_other_placements"] is None

"""adadelta_compiled.Adadelta's state through torch.distributed.checkpoint (DCP)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.distributed


def test_dcp_round_trip_of_sharded_and_full_state_dicts_continues_exactly(
    problems: dict[str, str | None],
) -> None:
    assert problems["dcp_round_trip"] is None


def test_checkpoint_taken_under_fsdp2_resumes_in_one_process(
    problems: dict[str, str | None],
) -> None:
    assert problems["fsdp2_checkpoint_resumes_in_one_process"] is None

"""Flat segments: params, their state and kept grads live in shared buffers, invisibly to the user."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch
from torch import Tensor

from adadelta_compiled import Adadelta
from adadelta_compiled.bench.memory import tracking
from adadelta_compiled.segments import COPY_MAX_NUMEL, Segment

from .twins import Twins, make_twins, random_grads

_SHAPES = [(3, 4), (7,), (), (2, 3, 2)]


def _storage_ptr(tensor: Tensor) -> int:
    return tensor.untyped_storage().data_ptr()


def _twins(**kwargs: object) -> tuple[Twins, torch.Generator]:
    generator = torch.Generator().manual_seed(0)
    return make_twins([torch.randn(s, generator=generator) for s in _SHAPES], **kwargs), generator


def _step(twins: Twins, generator: torch.Generator, steps: int = 1) -> None:
    for _ in range(steps):
        twins.step(random_grads(twins.ours_params, generator))


def _in_one_segment(opt: Adadelta, params: list[Tensor]) -> bool:
    tensors = [params, *([opt.state[p][key] for p in params] for key in ("square_avg", "step"))]
    return all(len({_storage_ptr(t) for t in ts}) == 1 for ts in tensors)


def test_small_params_and_their_state_share_one_buffer_each_and_match_torch() -> None:
    twins, generator = _twins(weight_decay=0.1)
    _step(twins, generator, 3)
    params = twins.ours_params
    assert _in_one_segment(twins.ours, params)
    twins.assert_close()


def _segment_of(opt: Adadelta) -> Segment:
    (entry,) = opt._segments._groups.values()
    (segment,) = entry.segments
    return segment


def test_a_large_params_fresh_grad_is_stepped_where_it_is_not_copied() -> None:
    big = torch.nn.Parameter(torch.zeros(COPY_MAX_NUMEL))
    small = torch.nn.Parameter(torch.zeros(4))
    opt = Adadelta([big, small])
    big.grad, small.grad = torch.ones_like(big), torch.ones_like(small)
    grad_ptr = big.grad.data_ptr()
    opt.step()
    assert _storage_ptr(big) == _storage_ptr(small)
    assert _segment_of(opt).grad_buffer.numel() == small.numel()
    assert big.grad.data_ptr() == grad_ptr
    assert torch.all(big.detach() < 0)


def _kept_grads_twins(steps: int) -> tuple[Twins, list[Tensor]]:
    """Twins whose grads are set once and then scaled in place between steps, as grads kept by
    ``zero_grad(set_to_none=False)`` and accumulated into are."""
    twins, generator = _twins()
    grads = random_grads(twins.ours_params, generator)
    for params in (twins.ours_params, twins.torch_params):
        for p, g in zip(params, grads, strict=True):
            p.grad = g.clone()
    kept = [p.grad for p in twins.ours_params]
    for _ in range(steps):
        twins.ours.step()
        twins.torchs.step()
        for params in (twins.ours_params, twins.torch_params):
            torch._foreach_mul_([p.grad for p in params], 0.5)
    return twins, kept


def test_grads_kept_across_steps_move_into_the_segment_and_stay_the_users_objects() -> None:
    twins, kept = _kept_grads_twins(steps=4)
    params = twins.ours_params
    assert all(p.grad is g for p, g in zip(params, kept, strict=True))
    assert len({_storage_ptr(p.grad) for p in params}) == 1
    assert _storage_ptr(params[0].grad) == _storage_ptr(_segment_of(twins.ours).grad_buffer)
    twins.assert_close()


def test_adopting_kept_grads_frees_the_copied_grads_buffer_before_allocating_its_own() -> None:
    # Tracked from before the segment exists, so that the frees of its memory count.
    with tracking(torch.device("cpu")) as tracker:
        params = [torch.nn.Parameter(torch.zeros(1024)) for _ in range(8)]
        for p in params:
            p.grad = torch.ones_like(p)
        opt = Adadelta(params)
        opt.step()  # builds the segment; its grads are copied in
        with tracker.measured():
            opt.step()  # the same grads again: adopted
    assert _storage_ptr(params[0].grad) == _storage_ptr(_segment_of(opt).grad_buffer)
    # Freeing the copied run first leaves no more than the new buffer in place of old grads.
    assert tracker.peak is not None
    assert tracker.peak < sum(p.grad.nbytes for p in params) // 2


def test_a_lone_large_params_kept_grad_stays_where_it_is() -> None:
    big = torch.nn.Parameter(torch.zeros(COPY_MAX_NUMEL))
    big.grad = torch.ones_like(big)
    grad_ptr = big.grad.data_ptr()
    opt = Adadelta([big])
    for _ in range(3):
        opt.step()
    assert big.grad.data_ptr() == grad_ptr
    assert _segment_of(opt).grad_buffer.numel() == 0
    assert torch.all(big.detach() < 0)


def test_fresh_grads_after_kept_ones_are_the_ones_stepped() -> None:
    twins, _ = _kept_grads_twins(steps=3)
    generator = torch.Generator().manual_seed(1)
    _step(twins, generator, 2)
    twins.assert_close()


def test_grads_that_are_views_of_the_users_bucket_stay_in_it() -> None:
    twins, generator = _twins()
    buckets = []
    for params in (twins.ours_params, twins.torch_params):
        bucket = torch.randn(sum(p.numel() for p in params), generator=torch.Generator().manual_seed(2))
        for p, grad in zip(params, bucket.split([p.numel() for p in params]), strict=True):
            p.grad = grad.view(p.shape)
        buckets.append(bucket)
    for _ in range(4):
        twins.ours.step()
        twins.torchs.step()
        for bucket in buckets:
            bucket.mul_(0.5)
    bucket_ptr = _storage_ptr(buckets[0])
    assert all(_storage_ptr(p.grad) == bucket_ptr for p in twins.ours_params)
    twins.assert_close()


def test_state_dict_keys_shapes_and_dtypes_are_torchs_and_load_into_torch() -> None:
    twins, generator = _twins()
    _step(twins, generator, 2)
    ours, theirs = twins.ours.state_dict(), twins.torchs.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    for index, torch_state in theirs["state"].items():
        assert list(ours["state"][index]) == list(torch_state)
        for key, value in torch_state.items():
            assert ours["state"][index][key].shape == value.shape
            assert ours["state"][index][key].dtype == value.dtype
    twins.torchs.load_state_dict(copy.deepcopy(ours))
    _step(twins, generator, 2)
    twins.assert_close()


def test_a_param_whose_memory_another_tensor_sees_stays_in_place() -> None:
    shared = torch.nn.Parameter(torch.zeros(5))
    alias = shared.detach()
    other = torch.nn.Parameter(torch.zeros(5))
    opt = Adadelta([shared, other])
    shared.grad, other.grad = torch.ones(5), torch.ones(5)
    opt.step()
    assert shared.data_ptr() == alias.data_ptr()
    torch.testing.assert_close(alias, shared.detach(), rtol=0, atol=0)
    assert not torch.equal(alias, torch.zeros(5))


def test_a_param_whose_data_is_reassigned_is_stepped_in_its_new_memory() -> None:
    twins, generator = _twins()
    _step(twins, generator)
    for params in (twins.ours_params, twins.torch_params):
        params[1].data = torch.full((7,), 3.0)
    _step(twins, generator, 2)
    twins.assert_close()


def test_loading_a_state_dict_replaces_the_state_that_steps_use() -> None:
    twins, generator = _twins()
    _step(twins, generator, 2)
    saved = copy.deepcopy(twins.torchs.state_dict())
    _step(twins, generator, 2)
    twins.ours.load_state_dict(copy.deepcopy(saved))
    twins.torchs.load_state_dict(saved)
    _step(twins, generator, 2)
    twins.assert_close()
    assert _in_one_segment(twins.ours, twins.ours_params)


def test_a_state_tensor_replaced_by_the_user_is_the_one_stepped() -> None:
    twins, generator = _twins()
    _step(twins, generator, 2)
    for opt, params in ((twins.ours, twins.ours_params), (twins.torchs, twins.torch_params)):
        opt.state[params[0]]["square_avg"] = torch.full((3, 4), 0.5)
        opt.state[params[2]] = {}
    _step(twins, generator, 2)
    twins.assert_close()


def test_members_without_a_grad_are_left_untouched_while_the_others_step() -> None:
    twins, generator = _twins()
    _step(twins, generator, 2)
    before = [p.detach().clone() for p in twins.ours_params]
    state_before = copy.deepcopy(twins.ours.state[twins.ours_params[1]])
    grads: list[Tensor | None] = list(random_grads(twins.ours_params, generator))
    grads[1] = None
    twins.step(grads)
    torch.testing.assert_close(twins.ours_params[1].detach(), before[1], rtol=0, atol=0)
    state_after = twins.ours.state[twins.ours_params[1]]
    assert all(torch.equal(state_after[key], value) for key, value in state_before.items())
    assert not torch.equal(twins.ours_params[0].detach(), before[0])
    twins.assert_close()


def test_a_param_that_first_gets_a_grad_later_joins_with_fresh_state() -> None:
    twins, generator = _twins()
    grads: list[Tensor | None] = list(random_grads(twins.ours_params, generator))
    grads[3] = None
    twins.step(grads)
    assert twins.ours_params[3] not in twins.ours.state
    _step(twins, generator, 2)
    assert twins.ours.state[twins.ours_params[3]]["step"].item() == 2.0
    assert len({_storage_ptr(p) for p in twins.ours_params}) == 1
    twins.assert_close()


def test_a_graph_that_saved_a_param_before_the_step_refuses_backward_after_it() -> None:
    param = torch.nn.Parameter(torch.ones(3))
    opt = Adadelta([param])
    param.grad = torch.ones(3)
    opt.step()
    loss = (param * param).sum()
    param.grad = torch.ones(3)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@pytest.mark.parametrize("copier", ["deepcopy", "pickle"])
def test_a_copied_optimizer_steps_its_own_params(copier: str) -> None:
    twins, generator = _twins()
    _step(twins, generator)
    bundle = (twins.ours, twins.ours_params)
    ours, params = (copy.deepcopy(bundle) if copier == "deepcopy"
                    else pickle.loads(pickle.dumps(bundle)))  # fmt: skip
    for p, original in zip(params, twins.ours_params, strict=True):
        p.grad = torch.ones_like(p)
        original.grad = torch.ones_like(original)
    before = [p.detach().clone() for p in twins.ours_params]
    ours.step()
    for p, original, old in zip(params, twins.ours_params, before, strict=True):
        assert not torch.equal(p.detach(), old)
        torch.testing.assert_close(original.detach(), old, rtol=0, atol=0)
    assert _in_one_segment(ours, params)


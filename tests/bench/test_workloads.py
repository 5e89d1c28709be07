"""The workloads are the documented parameter sets."""

from __future__ import annotations

import math

import pytest
import torch

from adadelta_compiled.bench.workloads import WORKLOADS, Workload, make_params, workload_named

# (name, elements, tensors): torchvision's resnet50() and Hugging Face's GPT2LMHeadModel
# report 25,557,032 and 124,439,808 parameters (the LM head shares the token embedding).
DOCUMENTED = [
    ("resnet50", 25_557_032, 161),
    ("gpt2-small", 124_439_808, 148),
    ("many-small", 2_000 * 1_024, 2_000),
    ("one-big", 32 * 2**20, 1),
]


@pytest.mark.parametrize(("name", "numel", "tensors"), DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_workload_has_the_documented_element_and_tensor_counts(
    name: str, numel: int, tensors: int
) -> None:
    workload = workload_named(name)
    assert (workload.numel, workload.tensor_count) == (numel, tensors)


def test_every_workload_is_documented() -> None:
    assert [w.name for w in WORKLOADS] == [d[0] for d in DOCUMENTED]


def test_many_small_tensors_are_all_1024_elements() -> None:
    assert set(workload_named("many-small").shapes) == {(1024,)}


def test_gpt2_small_starts_with_its_token_and_position_embeddings() -> None:
    assert workload_named("gpt2-small").shapes[:2] == ((50257, 768), (1024, 768))


def test_resnet50_ends_with_its_classifier() -> None:
    assert workload_named("resnet50").shapes[-2:] == ((1000, 2048), (1000,))


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_quick_keeps_at_most_16_tensors_each_shrunk_by_8(workload: Workload) -> None:
    quick = workload.quick()
    assert quick.name == workload.name
    assert 1 <= quick.tensor_count <= 16
    for full, small in zip(workload.shapes, quick.shapes):
        assert small == tuple(math.ceil(size / 8) for size in full)


def test_unknown_workload_names_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown workload 'resnet18'.*resnet50, gpt2-small"):
        workload_named("resnet18")


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_make_params_gives_leaf_params_with_grads_of_the_shapes(dtype: torch.dtype) -> None:
    workload = workload_named("resnet50").quick()
    params = make_params(workload, dtype, "cpu")
    assert [tuple(p.shape) for p in params] == list(workload.shapes)
    for param in params:
        assert param.is_leaf and param.requires_grad and param.dtype == dtype
        assert param.grad is not None and param.grad.shape == param.shape
        assert param.grad.dtype == dtype


def test_make_params_is_deterministic_for_a_seed() -> None:
    workload = workload_named("one-big").quick()
    first, second = (make_params(workload, torch.float32, "cpu", seed=3) for _ in range(2))
    assert torch.equal(first[0], second[0]) and torch.equal(first[0].grad, second[0].grad)

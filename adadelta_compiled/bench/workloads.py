"""The parameter sets a benchmark steps: real models' parameter shapes and two synthetic extremes.

The model shapes are written out here rather than built from torchvision or transformers, so
the benchmark needs no download and no extra dependency; each list is checked against the
model's published parameter count (``tests/bench/test_workloads.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = [
    "GPT2_SMALL_SHAPES",
    "RESNET50_SHAPES",
    "WORKLOADS",
    "Shape",
    "Workload",
    "make_params",
    "workload_named",
]

Shape = tuple[int, ...]


def _resnet50_shapes() -> list[Shape]:
    """torchvision's ``resnet50()`` parameters, in ``named_parameters()`` order (161 tensors)."""

    def batch_norm(channels: int) -> list[Shape]:
        return [(channels,), (channels,)]  # weight, bias

    shapes: list[Shape] = [(64, 3, 7, 7), *batch_norm(64)]
    in_channels = 64
    for blocks, width in ((3, 64), (4, 128), (6, 256), (3, 512)):
        for block in range(blocks):
            out_channels = 4 * width  # the bottleneck's expansion
            shapes += [(width, in_channels, 1, 1), *batch_norm(width)]
            shapes += [(width, width, 3, 3), *batch_norm(width)]
            shapes += [(out_channels, width, 1, 1), *batch_norm(out_channels)]
            if block == 0:  # the downsample projection
                shapes += [(out_channels, in_channels, 1, 1), *batch_norm(out_channels)]
            in_channels = out_channels
    return [*shapes, (1000, 2048), (1000,)]


def _gpt2_small_shapes() -> list[Shape]:
    """Hugging Face's ``GPT2LMHeadModel`` (124M) parameters, in ``named_parameters()`` order
    (148 tensors; the LM head is tied to the token embedding, so it adds none)."""
    vocab, context, width, layers = 50257, 1024, 768, 12
    block: list[Shape] = [
        (width,), (width,),                      # ln_1
        (width, 3 * width), (3 * width,),        # attn.c_attn (Conv1D: in x out)
        (width, width), (width,),                # attn.c_proj
        (width,), (width,),                      # ln_2
        (width, 4 * width), (4 * width,),        # mlp.c_fc
        (4 * width, width), (width,),            # mlp.c_proj
    ]  # fmt: skip
    return [(vocab, width), (context, width), *block * layers, (width,), (width,)]


RESNET50_SHAPES: tuple[Shape, ...] = tuple(_resnet50_shapes())
GPT2_SMALL_SHAPES: tuple[Shape, ...] = tuple(_gpt2_small_shapes())

# --quick keeps each workload's character at a size a smoke test steps in milliseconds.
_QUICK_MAX_TENSORS = 16
_QUICK_DIVISOR = 8


@dataclass(frozen=True)
class Workload:
    """A named list of parameter shapes."""

    name: str
    description: str
    shapes: tuple[Shape, ...]

    @property
    def numel(self) -> int:
        return sum(math.prod(shape) for shape in self.shapes)

    @property
    def tensor_count(self) -> int:
        return len(self.shapes)

    def quick(self) -> Workload:
        """The tiny version ``--quick`` runs: the first 16 tensors, every dimension ÷ 8."""
        shapes = tuple(
            tuple(-(-size // _QUICK_DIVISOR) for size in shape)
            for shape in self.shapes[:_QUICK_MAX_TENSORS]
        )
        return Workload(self.name, f"{self.description}, shrunk by --quick", shapes)


WORKLOADS: tuple[Workload, ...] = (
    Workload("resnet50", "ResNet-50's parameter shapes", RESNET50_SHAPES),
    Workload(
        "gpt2-small", "GPT-2 small's parameter shapes, embeddings included", GPT2_SMALL_SHAPES
    ),
    Workload("many-small", "2,000 tensors of 1,024 elements", ((1024,),) * 2000),
    Workload("one-big", "one tensor of 32 Mi elements", ((32 * 2**20,),)),
)


def workload_named(name: str) -> Workload:
    """The built-in workload called ``name``; ValueError listing the choices otherwise."""
    for workload in WORKLOADS:
        if workload.name == name:
            return workload
    choices = ", ".join(w.name for w in WORKLOADS)
    raise ValueError(f"unknown workload {name!r}; choose from: {choices}")


def make_params(
    workload: Workload, dtype: torch.dtype, device: torch.device | str, seed: int = 0
) -> list[Tensor]:
    """Leaf params of the workload's shapes, each with a random ``.grad``, as after backward."""
    generator = torch.Generator().manual_seed(seed)
    params = []
    for shape in workload.shapes:
        param = torch.randn(shape, generator=generator).to(device=device, dtype=dtype)
        param.requires_grad_(True)
        param.grad = torch.randn(shape, generator=generator).to(device=device, dtype=dtype)
        params.append(param)
    return params

"""Calling Inductor's compiled step directly, without Dynamo's per-call machinery.

A call through ``torch.compile`` costs ~30 µs on a 2-core CPU before any work is done: Dynamo
checks its guards, then AOTAutograd's runtime wrappers unpack, check and re-box the arguments.
The code Inductor generated for the step costs ~2 µs a call. For a model's many small tensors
that difference is the whole step, so after the first call through Dynamo (which compiles, or
loads from Inductor's cache) each graph's generated code is called directly.

That is safe because the optimizer itself keeps what Dynamo's guards would check true: every
call of a graph passes tensors of the one device and dtype the graph was compiled for, dense
and laid out alike, with the hyperparameters packed in tensors of fixed sizes and dtypes, and no
grad mode.
What the runtime wrappers did beyond the call, bumping the version counters of the tensors the
step writes, the caller does once for all tensors of a step (see :mod:`.kernel`).

The generated code is the ``CompiledFxGraph`` that Inductor's ``compile_fx`` (the entry point
``torch.compile`` itself uses) builds or loads from its caches, taken as Inductor finishes it.
Before a graph's code is called directly, it is checked once against the same graph called
through Dynamo, bit for bit; a graph whose inputs are not recognised, or that fails the check,
is simply always called through Dynamo.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any
from unittest import mock

import torch
import torch._inductor.compile_fx as inductor_compile_fx
from torch import Tensor
from torch._inductor.output_code import CompiledFxGraph

__all__ = ["CapturingBackend", "DirectCall"]

# Dynamo names a graph's inputs after the arguments it found them in (a symbolic length gets a
# symbol's name); a direct call passes them in the graph's order.
_TENSORS = ("l_param_", "l_grad_", "l_square_avg_", "l_acc_delta_")
_INPUTS = {
    name: position for position, name in enumerate((*_TENSORS, "l_scalars_", "l_lr_"), start=1)
}
_LENGTH = 0

# A graph's generated code, given a step's packed hyperparameters (see kernel.packed), as a
# function of the numel and the param, grad, square_avg and acc_delta it steps.
DirectCall = Callable[[Sequence[Tensor]], Callable[[int, Tensor, Tensor, Tensor, Tensor], None]]


class CapturingBackend:
    """A ``torch.compile`` backend that compiles with Inductor, as ``torch.compile`` does, and
    keeps the generated code of the graph compiled last, for :meth:`direct_call`."""

    def __init__(self, options: dict[str, Any]) -> None:
        # Size asserts are what the guards already ensure, and cost more than the kernel.
        self._options = {**options, "size_asserts": False}
        self._captured: tuple[list[str | int], CompiledFxGraph] | None = None
        # One compile at a time per backend, so that what it captures is that compile's.
        self.lock = threading.Lock()

    def __call__(self, graph: torch.fx.GraphModule, example_inputs: Sequence[Any]) -> Any:
        # A symbolic length is named by its hint, the length it was traced with.
        placeholders: list[str | int] = [
            value.node.hint if isinstance(value := node.meta.get("example_value"), torch.SymInt)
            else node.name
            for node in graph.graph.find_nodes(op="placeholder")
        ]  # fmt: skip
        generated: list[CompiledFxGraph] = []
        post_compile = CompiledFxGraph.post_compile

        def capturing_post_compile(output: CompiledFxGraph, *args: Any, **kwargs: Any) -> None:
            generated.append(output)
            post_compile(output, *args, **kwargs)

        # Inductor hands every graph it compiles or loads from its caches (its own, or
        # AOTAutograd's) to post_compile; nothing else compiles meanwhile (Dynamo compiles one
        # frame at a time, under its compile lock).
        with mock.patch.object(CompiledFxGraph, "post_compile", capturing_post_compile):
            compiled = inductor_compile_fx.compile_fx(
                graph, example_inputs, config_patches=self._options
            )
        self._captured = (placeholders, generated[0]) if len(generated) == 1 else None
        return compiled

    def take_captured(self) -> tuple[list[str | int], CompiledFxGraph] | None:
        """The graph compiled last, once: its placeholders (a name, or a symbolic length's
        hint) and its generated code; None if the last compile produced no single graph."""
        captured, self._captured = self._captured, None
        return captured

    def direct_call(self, through_dynamo: Callable[..., None], like: Sequence[Tensor],
                    check_hyperparameters: Sequence[Tensor]) -> DirectCall | None:
        """The graph just compiled (by a call of ``through_dynamo`` with tensors like ``like``),
        as a :data:`DirectCall`; None if its inputs are not recognised or it disagrees with
        ``through_dynamo`` stepping with ``check_hyperparameters`` (packed values that change
        every output: lr, weight decay and maximize on)."""
        captured = self.take_captured()
        if captured is None:
            return None
        placeholders, generated = captured
        names = ["length" if isinstance(p, int) else p for p in placeholders]
        call = getattr(generated, "current_callable", None)
        order = [_LENGTH if name == "length" else _INPUTS.get(name) for name in names]
        # Exactly the length and each input once: anything else is a graph this does not know.
        expected = list(range(len(_INPUTS) + 1))
        if call is None or None in order or sorted(order) != expected:  # type: ignore[type-var]
            return None
        # The length and the four tensors come in this order in the graphs seen so far, between
        # the hyperparameters: then a call is one list display.
        start = order.index(_LENGTH)
        in_order = order[start : start + len(_TENSORS) + 1] == list(range(len(_TENSORS) + 1))
        in_graph_order = itemgetter(*order)

        def direct(
            hyperparameters: Sequence[Tensor],
        ) -> Callable[[int, Tensor, Tensor, Tensor, Tensor], None]:
            scalars, lr = hyperparameters
            ordered = in_graph_order((0, None, None, None, None, scalars, lr))
            before, after = ordered[:start], ordered[start + len(_TENSORS) + 1 :]

            def step_in_order(numel: int, param: Tensor, grad: Tensor, square_avg: Tensor,
                              acc_delta: Tensor) -> None:
                call([*before, numel, param, grad, square_avg, acc_delta, *after])

            def step(numel: int, param: Tensor, grad: Tensor, square_avg: Tensor,
                     acc_delta: Tensor) -> None:
                arguments = (numel, param, grad, square_avg, acc_delta, scalars, lr)
                call(list(in_graph_order(arguments)))

            return step_in_order if in_order else step

        return direct if _agrees(direct, through_dynamo, like, check_hyperparameters) else None


def _agrees(direct: DirectCall, through_dynamo: Callable[..., None], like: Sequence[Tensor],
            hyperparameters: Sequence[Tensor]) -> bool:
    """Whether ``direct`` steps a small 2-D case of ``like``'s device and dtype exactly as
    ``through_dynamo`` steps it 1-D."""
    generator = torch.Generator().manual_seed(0)
    cases = [
        torch.rand((5, 7), generator=generator).to(like[0].dtype).to(like[0].device)
        for _ in like
    ]
    expected = [t.flatten().clone() for t in cases]
    through_dynamo(*expected, *hyperparameters)
    actual = [t.clone() for t in cases]
    try:
        direct(hyperparameters)(actual[0].numel(), *actual)
    except Exception:  # noqa: BLE001 - any failure only means: keep calling through Dynamo
        return False
    changed = not torch.equal(actual[0], cases[0])
    return changed and all(
        torch.equal(a.flatten(), e) for a, e in zip(actual, expected, strict=True)
    )

"""Calling Inductor's compiled step directly, without Dynamo's per-call machinery.

A call through ``torch.compile`` costs ~30 µs on a 2-core CPU before any work is done: Dynamo
checks its guards, then AOTAutograd's runtime wrappers unpack, check and re-box the arguments.
The code Inductor generated for the step costs ~2 µs a call. For a model's many small tensors
that difference is the whole step, so after the first call through Dynamo (which compiles, or
loads from Inductor's cache) each graph's generated code is called directly.

That is safe because the optimizer itself keeps what Dynamo's guards would check true: every
call of a graph passes tensors of the one device and dtype the graph was compiled for, dense
and laid out alike, with the hyperparameters as 0-d tensors of fixed dtypes, and no grad mode.
What the runtime wrappers did beyond the call, bumping the version counters of the tensors the
step writes, the caller does once for all tensors of a step (see :mod:`.kernel`).

The generated code is reached through the ``inner_compile`` hook of Inductor's ``compile_fx``,
the entry point ``torch.compile`` itself uses. Before a graph's code is called directly, it is
checked once against the same graph called through Dynamo, bit for bit; a graph whose inputs
are not recognised, or that fails the check, is simply always called through Dynamo.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import torch
import torch._functorch.config as functorch_config
import torch._inductor.compile_fx as inductor_compile_fx
from torch import Tensor

from .functional import Hyperparameters

__all__ = ["CapturingBackend", "DirectCall"]

# Dynamo names a graph's inputs after where it found them: the step's arguments, then the fields
# of ``hp`` in the order the step first reads them.
_TENSOR_INPUTS = ("l_param_", "l_grad_", "l_square_avg_", "l_acc_delta_")
_HYPERPARAMETER_INPUTS = {f"l_hp_{field}": i for i, field in enumerate(Hyperparameters._fields)}

# A graph's generated code, given a step's hyperparameters, as a function of the numel and
# the param, grad, square_avg and acc_delta it steps.
DirectCall = Callable[[Hyperparameters], Callable[[int, Tensor, Tensor, Tensor, Tensor], None]]


class CapturingBackend:
    """A ``torch.compile`` backend that compiles with Inductor, as ``torch.compile`` does, and
    keeps the generated code of the graph compiled last, for :meth:`direct_call`."""

    def __init__(self, options: dict[str, Any]) -> None:
        # Size asserts are what the guards already ensure, and cost more than the kernel.
        self._options = {**options, "size_asserts": False}
        self._captured: tuple[list[str], Any] | None = None
        # One compile at a time per backend, so that what it captures is that compile's.
        self.lock = threading.Lock()

    def __call__(self, graph: torch.fx.GraphModule, example_inputs: Sequence[Any]) -> Any:
        names = [node.name for node in graph.graph.find_nodes(op="placeholder")]
        generated: list[Any] = []

        def inner_compile(*args: Any, **kwargs: Any) -> Any:
            output = inductor_compile_fx.compile_fx_inner(*args, **kwargs)
            generated.append(output)
            return output

        # AOTAutograd's own cache would hand back its wrapped callable and skip inner_compile;
        # Inductor's cache (FX graph cache) still serves the generated code.
        with functorch_config.patch(enable_autograd_cache=False):
            compiled = inductor_compile_fx.compile_fx(
                graph, example_inputs, inner_compile=inner_compile, config_patches=self._options
            )
        self._captured = (names, generated[0]) if len(generated) == 1 else None
        return compiled

    def direct_call(self, through_dynamo: Callable[..., None], like: Sequence[Tensor],
                    hp: Hyperparameters) -> DirectCall | None:
        """The graph just compiled (by a call of ``through_dynamo`` with tensors like ``like``),
        as a :data:`DirectCall`; None if its inputs are not recognised or it disagrees with
        ``through_dynamo``."""
        captured, self._captured = self._captured, None
        if captured is None:
            return None
        names, generated = captured
        call = getattr(generated, "current_callable", None)
        hp_order = [_HYPERPARAMETER_INPUTS.get(name) for name in names[len(_TENSOR_INPUTS) + 1:]]
        if (
            call is None
            or tuple(names[1 : len(_TENSOR_INPUTS) + 1]) != _TENSOR_INPUTS
            or None in hp_order
            or sorted(hp_order) != list(range(len(hp)))  # type: ignore[type-var]
        ):
            return None
        hyperparameters = itemgetter(*hp_order)

        def direct(hp: Hyperparameters) -> Callable[[int, Tensor, Tensor, Tensor, Tensor], None]:
            ordered = hyperparameters(hp)

            def step(numel: int, param: Tensor, grad: Tensor, square_avg: Tensor,
                     acc_delta: Tensor) -> None:
                call([numel, param, grad, square_avg, acc_delta, *ordered])

            return step

        return direct if _agrees(direct, through_dynamo, like, hp) else None


def _agrees(direct: DirectCall, through_dynamo: Callable[..., None], like: Sequence[Tensor],
            hp: Hyperparameters) -> bool:
    """Whether ``direct`` steps a small 2-D case exactly as ``through_dynamo`` steps it 1-D.

    The case has ``like``'s device and dtype and ``hp``'s kinds of tensors, with values of its
    own that change every output (maximize, weight decay and lr on).
    """
    generator = torch.Generator().manual_seed(0)
    cases = [
        torch.rand((5, 7), generator=generator).to(like[0].dtype).to(like[0].device)
        for _ in like
    ]
    check_hp = Hyperparameters.from_group(0.5, 0.9, 1e-6, 0.1, True)._replace(
        lr=torch.tensor(0.5, dtype=hp.lr.dtype, device=hp.lr.device)
    )
    expected = [t.flatten().clone() for t in cases]
    through_dynamo(*expected, check_hp)
    actual = [t.clone() for t in cases]
    try:
        direct(check_hp)(actual[0].numel(), *actual)
    except Exception:  # noqa: BLE001 - any failure only means: keep calling through Dynamo
        return False
    changed = not torch.equal(actual[0], cases[0])
    return changed and all(
        torch.equal(a.flatten(), e) for a, e in zip(actual, expected, strict=True)
    )

"""A param group's step plan, kept from step to step while its tensors' metadata stays the same.

Before a step may call generated code, every param with a grad, its grad and its two state
tensors must be known to be plain and contiguous, of one dtype and device, and of matching
sizes; which graph then steps which of them follows from their sizes, and whether a graph may
count the steps from the step counters (:func:`~adadelta_compiled.kernel.layout_of`). For 2,000
params that is 10,000 tensors and milliseconds of Python a step, more than the kernels' own
work on small tensors. A :class:`Plan` keeps the conclusion, the
:class:`~adadelta_compiled.kernel.Layout`, together with a guard over the metadata it was drawn
from: for each tensor its Python type, dispatch keys (which tell a
sparse, conjugated or wrapped tensor, and the device type), dtype, device index, sizes, strides
and requires_grad, checked in C++ by the tensor guard Dynamo's own guards are made of (~50 ns a
tensor). A step whose tensors pass the guard, with grads on the same params, takes the layout as
it is; any other step works the layout out again and replaces the plan. A guard that fails where
nothing relevant changed (e.g. a grad that requires grad) costs a rebuild, never a wrong step.

The plan holds no tensor. Params, grads and state are read afresh at every step, as without a
plan, so a new grad object, ``p.data = …``, ``set_``, ``resize_``, an in-place metadata change
(``t_``, ``unsqueeze_``), a state tensor replaced, a param added or removed, or a grad set to
None reaches the guard (or the mask of which params have grads) and is never missed through a
stale reference; and nothing a user frees is kept alive. Data pointers are not metadata: whether
params share memory is checked at every step (:func:`~adadelta_compiled.kernel.step_tensors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

from torch import Tensor
from torch._C._dynamo.guards import TensorGuards

from .kernel import Layout, layout_of

__all__ = ["Plan"]


class Plan:
    """One param group's :class:`~adadelta_compiled.kernel.Layout` and what it holds for."""

    def __init__(self, has_grad: list[bool], columns: tuple[Sequence[Tensor], ...],
                 layout: Layout) -> None:
        self.has_grad = has_grad
        self.layout = layout
        tensors = list(chain.from_iterable(columns))
        # Expected sizes and strides given for every dim: none of them may differ.
        self._guard = TensorGuards(
            *tensors,
            dynamic_dims_sizes=[list(t.shape) for t in tensors],
            dynamic_dims_strides=[list(t.stride()) for t in tensors],
        )

    @classmethod
    def of(cls, has_grad: list[bool], columns: tuple[Sequence[Tensor], ...]) -> Plan | None:
        """The plan of a group whose params (``has_grad``: which of them have a grad) have
        the (params, grads, square_avgs, acc_deltas, state_steps) ``columns``; None where they
        have no layout (see :func:`~adadelta_compiled.kernel.layout_of`) or no param has a
        grad."""
        if not columns[0]:
            return None
        layout = layout_of(columns[:4], columns[4])
        return None if layout is None else cls(has_grad, columns, layout)

    def holds(self, has_grad: list[bool], columns: tuple[Sequence[Tensor], ...]) -> bool:
        """Whether the plan is that of a group in this state (the arguments of :meth:`of`)."""
        return has_grad == self.has_grad and self._guard.check(*chain.from_iterable(columns))

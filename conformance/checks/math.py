"""The update math against the float64 oracle: the spec's scenarios, Tensor lr, dtypes, complex
params and memory layouts. All property-based."""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable
from typing import Any

import torch
from hypothesis import strategies as st

from ..case import Case, FillLR, SeededValues, TensorLR
from ..examples import example_case, example_param
from .check import Check
from ..expectations import expect_trajectory, fitted_case, raised, relied_on
from ..failures import CheckFailure, CheckSkipped
from ..layout import expected_state_stride, same_layout
from ..properties import run_property
from ..oracle import run_oracle
from ..precision import MARGIN_FACTOR, MARGIN_ULPS, allowed_error, mean_ulps, naive_params
from ..replay import BuildFailed, Stepped, as_real64, stepping
from ..snippet import render_case
from ..spec import MathScenario, OptimizerSpec
from ..strategies import ALL_LAYOUTS, single_group_case
from ..subject import Subject
from ..surface import exposed_state

__all__ = ["checks"]


def _scenario(scenario: MathScenario) -> Check:
    def run(subject: Subject) -> None:
        def follows_the_oracle(data: st.DataObject) -> None:
            case = single_group_case(data, subject.drawing_spec, overrides=scenario.hyperparameters)
            # Every execution path the implementation offers; a failure shrinks to the default.
            path = data.draw(st.sampled_from(subject.paths.offered), label="execution path")
            case = dataclasses.replace(case, constructor={**case.constructor, **path})
            expect_trajectory(subject, case, judge_state=scenario.judges_state)

        run_property(subject, follows_the_oracle)

    return Check(scenario.name, scenario.rule, run)


# A Tensor lr is float32, and arithmetic on it may be float32 arithmetic (torch's Adagrad
# computes γ / (1 + (t-1)η) in float32 on its for-loop and foreach paths, in float64 on its fused
# one): finer params would tell the two apart by a rounding, not by a bug.
TENSOR_LR_DTYPES = (torch.float32,)


def _tensor_lr(subject: Subject) -> None:
    if not subject.spec.tensor_lr:
        raise CheckSkipped(f"{subject.spec.name} takes no Tensor lr")

    def follows_the_oracle(data: st.DataObject) -> None:
        case = single_group_case(data, subject.drawing_spec, dtypes=TENSOR_LR_DTYPES)
        lr = subject.spec.hyperparameter_space(case.params[0].dtype)["lr"]
        shape = data.draw(st.sampled_from([(), (1,)]), label="Tensor lr shape")
        # On the CPU both choices are the same tensor: draw only where they differ.
        on_params_device = subject.device.type != "cpu" and data.draw(
            st.booleans(), label="Tensor lr on the params' device"
        )
        first = data.draw(lr, label="Tensor lr")
        fills = [
            data.draw(st.one_of(st.none(), lr), label=f"lr.fill_ before step {step}")
            for step in range(2, case.steps + 1)
        ]
        changes = ({}, *({0: {"lr": FillLR(v)}} if v is not None else {} for v in fills))
        constructor = {**case.constructor, "lr": TensorLR(first, shape, on_params_device)}
        expect_trajectory(subject, dataclasses.replace(case, constructor=constructor, changes=changes))

    run_property(subject, follows_the_oracle)


def _tensor_hyperparameters(subject: Subject) -> None:
    spec = subject.spec
    if not spec.tensor_hyperparameters:
        raise CheckSkipped(f"{spec.reference_name} documents no Tensor hyperparameter besides lr")

    def as_tensors(value: Any) -> Any:
        return tuple(map(TensorLR, value)) if isinstance(value, tuple) else TensorLR(value)

    def follows_the_oracle(data: st.DataObject) -> None:
        case = single_group_case(data, subject.drawing_spec, dtypes=TENSOR_LR_DTYPES)
        space = spec.hyperparameter_space(case.params[0].dtype)
        tensors = {key: as_tensors(case.constructor[key]) for key in spec.tensor_hyperparameters}
        # Filled in place between steps, as a scheduler of betas does; None: left as they are.
        fills = [
            {
                key: FillLR(data.draw(space[key], label=f"{key} filled before step {step}"))
                for key in spec.tensor_hyperparameters
                if data.draw(st.booleans(), label=f"fill {key} before step {step}")
            }
            for step in range(2, case.steps + 1)
        ]
        changes = ({}, *({0: fill} if fill else {} for fill in fills))
        constructor = {**case.constructor, **tensors}
        expect_trajectory(subject, dataclasses.replace(case, constructor=constructor, changes=changes))

    run_property(subject, follows_the_oracle)


def _state_dtype(spec: OptimizerSpec) -> Callable[[Stepped], str | None]:
    def inspect(stepped: Stepped) -> str | None:
        exposed = exposed_state(stepped.optimizer) or {}
        for i, param in enumerate(stepped.params):
            state = exposed.get(param) or {}
            for key in spec.buffers:
                if key in state and state[key].dtype != param.dtype:
                    return f"param {i} is {param.dtype} but its state[{key!r}] is {state[key].dtype}"
        return None

    return inspect


def _dtypes(subject: Subject) -> None:
    def follows_the_oracle(data: st.DataObject) -> None:
        dtypes = (torch.bfloat16, torch.float16, torch.float64)
        case = single_group_case(data, subject.drawing_spec, dtypes=dtypes)
        # bf16 and fp16 values are low_precision_bar's to judge: a relative bar, not a bound.
        wide = case.params[0].dtype == torch.float64
        expect_trajectory(subject, case, inspect=_state_dtype(subject.spec), compare=wide)

    run_property(subject, follows_the_oracle)


def _complex_params(subject: Subject) -> None:
    def follows_the_oracle(data: st.DataObject) -> None:
        dtypes = (torch.complex64, torch.float32)
        case = single_group_case(data, subject.drawing_spec, dtypes=dtypes, mixed_dtypes=True)
        expect_trajectory(subject, case, inspect=_state_dtype(subject.spec))

    run_property(subject, follows_the_oracle)


def _layouts_kept(spec: OptimizerSpec, case: Case) -> Callable[[Stepped], str | None]:
    def inspect(stepped: Stepped) -> str | None:
        for i, (param, param_case) in enumerate(zip(stepped.params, case.params, strict=True)):
            if not same_layout(param.shape, param.stride(), param_case.stride):
                return (
                    f"param {i} now has strides {param.stride()}, but was created with "
                    f"{param_case.stride}: params must be updated in place"
                )
            expected = expected_state_stride(param)
            state = (exposed_state(stepped.optimizer) or {}).get(param) or {}
            for key in spec.buffers:
                if key in state and not same_layout(param.shape, state[key].stride(), expected):
                    return (
                        f"param {i} (shape {tuple(param.shape)}, strides {param.stride()}): "
                        f"state[{key!r}] has strides {state[key].stride()}, expected {expected} "
                        "(those of torch.zeros_like(param, memory_format=torch.preserve_format))"
                    )
        return None

    return inspect


def _memory_layouts(subject: Subject) -> None:
    def follows_the_oracle(data: st.DataObject) -> None:
        case = single_group_case(data, subject.drawing_spec, dtypes=(torch.float32,), layouts=ALL_LAYOUTS)
        expect_trajectory(subject, case, inspect=_layouts_kept(subject.spec, case))

    run_property(subject, follows_the_oracle)


# Sizes around the thresholds where implementations switch code paths: a single element, less
# than one vector width, past a few hundred elements (chunked kernels), past 2^16 and 2^18 (the
# chunk of multi-tensor kernels, e.g. apex's multi_tensor_apply, and the "large tensor" path of
# multi-path implementations); odd sizes leave a ragged last chunk.
SIZES = (1, 17, 1_025, 2**18 + 3)
# Values of the large params repeat with this period, so that the oracle, which steps each
# element on its own, computes one period (conformance.case.folded). Odd, so that periods
# straddle vector widths and chunk boundaries.
PERIOD = 1_021
# Enough steps that the state-dependent terms (u_{t-1}, v_{t-1}) have weight.
SIZES_STEPS = 5


def _periodic(case: Case) -> Case:
    def repeating(values: Any) -> Any:
        if isinstance(values, SeededValues) and values.count > PERIOD:
            return dataclasses.replace(values, period=PERIOD)
        return values

    params = tuple(dataclasses.replace(p, values=repeating(p.values)) for p in case.params)
    grads = tuple(tuple(map(repeating, step)) for step in case.grads)
    return dataclasses.replace(case, params=params, grads=grads)


def _tensor_sizes(subject: Subject) -> None:
    spec = subject.spec
    params = [example_param((size,), seed=seed) for seed, size in enumerate(SIZES, start=1)]
    # Options the implementation does not take are judged by the checks about them.
    for options in (spec.example_hyperparameters, spec.other_hyperparameters):
        case = _periodic(example_case(params, SIZES_STEPS, subject.options.taken_of(options)))
        expect_trajectory(subject, case, every_step=False)


# Long enough that a decay rule which matches in a few steps (L2 decay in the gradient against
# decoupled decay, decay compounded or skipped) has drifted far apart.
LONG_HORIZON_STEPS = 24


def _long_horizon_decay(subject: Subject) -> None:
    spec = subject.spec
    if "weight_decay" not in spec.defaults:
        raise CheckSkipped(f"{spec.name} has no weight_decay")
    # The example sets every hyperparameter away from its default, weight decay and lr included.
    constructor = subject.options.taken_of(spec.example_hyperparameters)
    params = [
        example_param((2, 3), seed=1),
        example_param((3,), torch.float64, seed=2),
        example_param((), seed=3),
    ]
    expect_trajectory(subject, example_case(params, LONG_HORIZON_STEPS, constructor), every_step=False)


# Low-precision params over enough steps that rounding errors carried in the state show, and
# enough elements that the mean error is not one rounding's luck.
PRECISION_DTYPES = (torch.bfloat16, torch.float16)
PRECISION_STEPS = 8


def _low_precision_bar(subject: Subject) -> None:
    spec = subject.spec
    for dtype in PRECISION_DTYPES:
        params = [example_param((8, 8), dtype, seed=1), example_param((33,), dtype, seed=2)]
        case = example_case(params, PRECISION_STEPS, subject.options.taken_of(spec.example_hyperparameters))
        exact = run_oracle(case, spec).expected[-1].params
        dtypes = [p.dtype for p in case.params]
        naive = mean_ulps(naive_params(case, spec), exact, dtypes)
        for path in subject.paths.offered:
            on_path = fitted_case(dataclasses.replace(case, constructor={**case.constructor, **path}), subject)
            final = _final_params(subject, on_path)
            error = mean_ulps(final, exact, dtypes)
            flags = "".join(f", {key}={value}" for key, value in path.items())
            if error > allowed_error(naive):
                raise CheckFailure(
                    f"after {PRECISION_STEPS} steps of {str(dtype).removeprefix('torch.')} params "
                    f"(the example hyperparameters{flags}), the params are {error:.2f} units in "
                    f"the last place from the float64 oracle on average; the same algorithm done "
                    f"naively in that dtype (every operation rounded to it) is {naive:.2f} from "
                    f"it: a low-precision step may be no worse than {MARGIN_FACTOR:g} × that + "
                    f"{MARGIN_ULPS:g} ({allowed_error(naive):.2f})",
                    render_case(on_path, subject.target, str(subject.device)),
                    relies_on=_bar_relies_on(on_path, spec),
                )


def _bar_relies_on(case: Case, spec: OptimizerSpec) -> tuple[str, ...]:
    """The math of the options the case used; not the checks about low-precision dtypes, whose
    rule the bar is."""
    return tuple(c for c in relied_on(case, spec) if c not in ("dtypes", "low_precision_bar"))


def _final_params(subject: Subject, case: Case) -> list[torch.Tensor]:
    try:
        last = deque(stepping(case, subject.target.factory, subject.device), maxlen=1).pop()
    except Exception as error:
        cause = error.error if isinstance(error, BuildFailed) else error
        raise CheckFailure(
            f"stepping {str(case.params[0].dtype).removeprefix('torch.')} params, it {raised(cause)}",
            render_case(case, subject.target, str(subject.device)),
            raised=type(cause).__name__,
            # A class that cannot step these dtypes at all fails dtypes, which reports it.
            relies_on_if_raised=(*_bar_relies_on(case, subject.spec), "dtypes"),
        ) from cause
    return [as_real64(p) for p in last.params]


def checks(spec: OptimizerSpec) -> list[Check]:
    return [
        *(_scenario(scenario) for scenario in spec.scenarios),
        Check(
            "tensor_sizes",
            f"params of every size follow the algorithm: {', '.join(f'{n:,}' for n in SIZES)} "
            f"elements in one group over {SIZES_STEPS} steps, under two sets of "
            "hyperparameters that differ in every key",
            _tensor_sizes,
        ),
        Check(
            "tensor_lr",
            "lr may be a 1-element Tensor of shape () or (1,), on the CPU or on the params' "
            "device (float32 params, as fine as the Tensor); each step uses its current value, "
            "so filling it in place between steps takes effect at the next step",
            _tensor_lr,
        ),
        Check(
            "dtypes",
            "bf16, fp16 and fp64 params are stepped in their own dtype: the state has the "
            "param's dtype, and fp64 values follow the algorithm within fp64's rounding (bf16 "
            "and fp16 values: low_precision_bar)",
            _dtypes,
        ),
        Check(
            "low_precision_bar",
            f"bf16 and fp16 params, stepped {PRECISION_STEPS} times with the example "
            "hyperparameters on every execution path offered, end up no farther from the "
            "float64 oracle (mean units in the last place) than the algorithm done naively in "
            f"that dtype, every operation rounded to it: {MARGIN_FACTOR:g} × its error + "
            f"{MARGIN_ULPS:g} at most; more precision (fp32 arithmetic or state, stochastic "
            "rounding, Kahan summation) is welcome",
            _low_precision_bar,
        ),
        Check(
            "complex_params",
            "complex params are stepped as torch.view_as_real(param): real and imaginary parts "
            "independently; their state is complex like the param",
            _complex_params,
        ),
        Check(
            "tensor_hyperparameters",
            "hyperparameters documented as taking Tensors besides lr ("
            + (", ".join(spec.tensor_hyperparameters) or "none for this spec")
            + ") may be 0-d Tensors: the step reads their values, and filling them in place "
            "between steps takes effect at the next step",
            _tensor_hyperparameters,
        ),
        Check(
            "long_horizon_decay",
            f"over {LONG_HORIZON_STEPS} steps, with weight decay and lr away from their "
            "defaults (the spec's example hyperparameters), params follow the algorithm: the "
            "decay each step applies adds up as documented",
            _long_horizon_decay,
        ),
        Check(
            "memory_layouts",
            "0-d, empty, non-contiguous and channels_last params are stepped in place; their "
            "state keeps the param's memory format (torch.preserve_format)",
            _memory_layouts,
        ),
    ]

"""10,000 steps with everything changing: bounded graphs, flat memory, torch's results."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch._dynamo.utils import counters

from .twins import make_twins, random_grads

STEPS = int(os.environ.get("LONG_RUN_STEPS", 10_000))


def _rss_bytes() -> int:
    resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def test_ten_thousand_steps_stay_bounded_flat_and_match_torch() -> None:
    generator = torch.Generator().manual_seed(0)
    twins = make_twins([torch.randn(40, 3, generator=generator), torch.randn(7, generator=generator)],
                       lr=torch.tensor(1.0))
    added = torch.randn(64, 64, generator=generator)
    graphs_at_start = counters["stats"]["unique_graphs"]
    rss_after_warmup = 0

    for step in range(STEPS):
        for opt in (twins.ours, twins.torchs):
            for group in opt.param_groups:
                group["lr"].fill_(0.5 + 0.5 * ((step % 100) / 100))
        if step == STEPS // 2:
            for opt, params in ((twins.ours, twins.ours_params),
                                (twins.torchs, twins.torch_params)):
                new = torch.nn.Parameter(added.clone())
                opt.add_param_group({"params": [new], "lr": torch.tensor(0.1), "rho": 0.5})
                params.append(new)
        grads: list[torch.Tensor | None] = list(random_grads(twins.ours_params, generator))
        if step % 3 == 0:
            grads[0] = None  # grads come and go
        twins.step(grads)
        if step == 1_000:
            rss_after_warmup = _rss_bytes()

    # One graph for float32 at most, whatever ran in this process before.
    assert counters["stats"]["unique_graphs"] - graphs_at_start <= 1
    assert _rss_bytes() - rss_after_warmup < 16 * 2**20
    twins.assert_close()

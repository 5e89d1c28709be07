"""bitsandbytes 0.50.2 overrides load_state_dict: it runs none of the load_state_dict pre/post
hooks, and a loaded state dict without param names drops the optimizer's own param_names."""

import sys

import bitsandbytes as bnb
import torch

from third_party.deviations.side_by_side import compare, worst


def load(cls):
    weight = torch.randn(3, requires_grad=True)
    source = cls([("weight", weight)], lr=0.01)
    weight.grad = torch.ones(3)
    source.step()
    state = source.state_dict()
    del state["param_groups"][0]["param_names"]
    target = cls([("weight", weight)], lr=0.01)
    calls = []
    target.register_load_state_dict_pre_hook(lambda optimizer, state_dict: calls.append("load pre"))
    target.register_load_state_dict_post_hook(lambda optimizer: calls.append("load post"))
    target.load_state_dict(state)
    return calls, target.param_groups[0].get("param_names")


torch_calls, torch_names = load(torch.optim.Adam)
library_calls, library_names = load(bnb.optim.Adam)
sys.exit(worst(
    compare("Adam: load_state_dict hooks called", torch_calls, library_calls),
    compare("Adam: param_names after loading a state dict without them", torch_names, library_names),
))

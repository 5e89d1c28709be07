"""Checks any Adadelta implementation against torch.optim.Adadelta's documented semantics."""

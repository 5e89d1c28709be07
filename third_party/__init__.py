"""Runs of the conformance suite on other libraries' optimizers (not shipped; see README.md)."""

"""One script per deviation of a library's optimizer from the torch.optim class it claims.

Each ``<library>_<class>_<slug>.py`` runs both on the same inputs, prints both results and exits
1 when they differ (the deviation shows), 0 when they match; ``*_keeps_*`` scripts pin a rule
the class keeps, so they exit 0. Run one with ``python -m third_party.deviations.NAME``.
"""

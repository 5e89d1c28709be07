"""Hypothesis profiles of the suite, under names that cannot clobber a host project's own."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

__all__ = ["DEFAULT_PROFILE", "THOROUGH_PROFILE", "register_profiles", "settings_for"]

DEFAULT_PROFILE = "conformance-default"
THOROUGH_PROFILE = "conformance-thorough"

# A compiled implementation compiles on the first example of each new dtype, so no example has
# a meaningful deadline and the first ones are slow by design.
_UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
# Failures are shrunk to a minimal example, but not "explained": that phase reruns the failing
# example under coverage tracing, costing seconds per failing check for a report about our code.
_PHASES = tuple(phase for phase in Phase if phase is not Phase.explain)


def register_profiles() -> None:
    """Register the suite's profiles (idempotent); loads none of them."""
    # Fixed examples, nothing written to disk: the same verdict on every run, in seconds.
    settings.register_profile(
        DEFAULT_PROFILE,
        max_examples=15,
        derandomize=True,
        database=None,
        report_multiple_bugs=False,
        print_blob=False,
        phases=_PHASES,
        **_UNTIMED,
    )
    # Fresh random examples each run (the report shows the seed to replay them).
    settings.register_profile(
        THOROUGH_PROFILE,
        max_examples=200,
        derandomize=False,
        database=None,
        report_multiple_bugs=False,
        print_blob=False,
        phases=_PHASES,
        **_UNTIMED,
    )


def settings_for(profile: str) -> settings:
    """The settings of a registered profile, without a deadline.

    Raises:
        hypothesis.errors.InvalidArgument: no profile of that name is registered.
    """
    register_profiles()
    return settings(settings.get_profile(profile), **_UNTIMED)


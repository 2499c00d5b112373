"""Shared test configuration: hypothesis profiles, and the PostgreSQL server if one answers.

``HYPOTHESIS_PROFILE=ci`` (set by .ci/run) runs more examples with no deadline,
derandomized so the gate gives the same answer on every run; the default
``dev`` profile keeps exploring new examples on each run.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server's URL; skips (or fails, when required) if none answers."""
    url = os.environ.get("OMNICX_TEST_POSTGRES", DEFAULT_POSTGRES)
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
    except Exception as error:  # no driver, no server, no database: one reason
        reason = (
            f"no PostgreSQL server answered at {url} "
            f"({type(error).__name__}: {' '.join(str(error).split())}); "
            "set OMNICX_TEST_POSTGRES to one"
        )
        if os.environ.get("OMNICX_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (OMNICX_REQUIRE_POSTGRES=1 requires it)", pytrace=False)
        pytest.skip(reason)
    return url

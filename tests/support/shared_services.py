"""The shared Redis and Ray that `scripts/services start` runs, as fixtures (a pytest plugin).

`redis_url` reads CITYWATCH_TEST_REDIS_URL; `ray_cluster` joins the local Ray cluster
CITYWATCH_TEST_RAY_ADDRESS names (a head and a worker node on this machine) once per session.
Unset or not answering, their tests skip with a message; under CI (`CI=true`, where CI starts
both) they fail instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
import redis
from server_process import unavailable

REDIS_ENV = "CITYWATCH_TEST_REDIS_URL"
RAY_ENV = "CITYWATCH_TEST_RAY_ADDRESS"


def redis_answers(url: str) -> bool:
    with contextlib.suppress(redis.exceptions.RedisError, OSError):
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The shared test Redis (CITYWATCH_TEST_REDIS_URL), checked to answer."""
    url = os.environ.get(REDIS_ENV, "").strip()
    if not url:
        unavailable(
            f"the Redis bus tests need {REDIS_ENV} (e.g. redis://127.0.0.1:6379/0; "
            '`eval "$(scripts/services start)"` starts one and sets it)'
        )
    if not redis_answers(url):
        unavailable(f"{REDIS_ENV}={url} does not answer PING")
    return url


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[str]:
    """The address of the test Ray cluster, joined by this process for the session."""
    address = os.environ.get(RAY_ENV, "").strip()
    if not address:
        unavailable(
            f"the cluster tests need a Ray cluster in {RAY_ENV} (e.g. 127.0.0.1:6390; "
            '`eval "$(scripts/services start)"` starts one and sets it)'
        )
    import ray

    try:
        ray.init(address=address, namespace="citywatch-tests", include_dashboard=False)
    except (ConnectionError, RuntimeError) as error:
        unavailable(f"{RAY_ENV}={address}: cannot join Ray ({error})")
    try:
        yield address
    finally:
        ray.shutdown()

"""The sign-in limiter: per username and per address, in a sliding window, bounded in memory."""

from __future__ import annotations

import pytest

from citywatch.api.ratelimit import LoginLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_five_failures_for_a_username_block_it_until_the_oldest_ages_out(clock):
    limiter = LoginLimiter(max_per_user=5, max_per_address=100, window_s=300, clock=clock)
    for i in range(5):
        assert limiter.retry_after("Ada", f"10.0.0.{i}") is None
        limiter.failed("Ada", f"10.0.0.{i}")
        clock.now += 10
    # Blocked whatever the address and however the name is spelled.
    assert limiter.retry_after("ada ", "10.9.9.9") == pytest.approx(1000 + 300 - clock.now)
    assert limiter.retry_after("bob", "10.9.9.9") is None
    clock.now = 1000 + 300 + 0.001
    assert limiter.retry_after("ada", "10.9.9.9") is None


def test_an_address_is_blocked_across_usernames(clock):
    limiter = LoginLimiter(max_per_user=5, max_per_address=3, window_s=60, clock=clock)
    for name in ("a", "b", "c"):
        limiter.failed(name, "192.0.2.1")
    assert limiter.retry_after("d", "192.0.2.1") == pytest.approx(60)
    assert limiter.retry_after("d", "192.0.2.2") is None


def test_success_clears_the_username_but_not_the_address(clock):
    limiter = LoginLimiter(max_per_user=2, max_per_address=2, window_s=60, clock=clock)
    limiter.failed("ada", "192.0.2.1")
    limiter.succeeded("ada")
    limiter.failed("ada", "192.0.2.2")
    assert limiter.retry_after("ada", "192.0.2.3") is None
    limiter.failed("bob", "192.0.2.1")
    assert limiter.retry_after("carol", "192.0.2.1") is not None


def test_memory_stays_bounded_when_names_are_invented(clock):
    limiter = LoginLimiter(max_per_user=1, max_tracked=100, clock=clock)
    for i in range(1000):
        limiter.failed(f"user{i}", "192.0.2.1")
    assert len(limiter._failures) <= 100
    assert limiter.retry_after("user999", "192.0.2.2") is not None  # the newest are kept


def test_nonsense_limits_are_refused():
    with pytest.raises(ValueError):
        LoginLimiter(max_per_user=0)

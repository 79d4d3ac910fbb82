"""Backoff: exponential, capped, jittered within bounds, reset after a healthy period."""

from __future__ import annotations

import pytest

from citywatch.ingest import Backoff


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delays_double_up_to_the_cap() -> None:
    backoff = Backoff(initial=0.5, maximum=4.0, factor=2.0, jitter=0.0)
    assert [backoff.failure() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff.attempts == 6


def test_jitter_stays_within_its_band_and_under_the_cap() -> None:
    low = Backoff(initial=1.0, maximum=10.0, jitter=0.25, random=lambda: 0.0)
    high = Backoff(initial=1.0, maximum=10.0, jitter=0.25, random=lambda: 0.999999)
    assert low.failure() == pytest.approx(0.75)
    assert high.failure() == pytest.approx(1.25, rel=1e-5)
    capped = Backoff(initial=8.0, maximum=10.0, jitter=0.5, random=lambda: 0.999999)
    capped.failure()
    assert capped.failure() <= 10.0


def test_many_failures_do_not_overflow() -> None:
    backoff = Backoff(initial=0.1, maximum=30.0, jitter=0.0)
    for _ in range(5000):
        delay = backoff.failure()
    assert delay == 30.0


def test_healthy_period_resets_the_sequence() -> None:
    clock = FakeClock()
    backoff = Backoff(initial=1.0, maximum=60.0, jitter=0.0, healthy_after=10.0, clock=clock)
    assert [backoff.failure() for _ in range(3)] == [1.0, 2.0, 4.0]
    backoff.connected()
    clock.now += 11.0  # stayed up long enough
    assert backoff.failure() == 1.0


def test_a_short_connection_does_not_reset() -> None:
    clock = FakeClock()
    backoff = Backoff(initial=1.0, maximum=60.0, jitter=0.0, healthy_after=10.0, clock=clock)
    backoff.failure()
    backoff.failure()
    backoff.connected()
    clock.now += 2.0  # flapping camera
    assert backoff.failure() == 4.0


def test_reset() -> None:
    backoff = Backoff(initial=1.0, jitter=0.0)
    backoff.failure()
    backoff.failure()
    backoff.reset()
    assert backoff.attempts == 0
    assert backoff.failure() == 1.0


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": 0.0}, {"initial": 5.0, "maximum": 1.0}, {"factor": 0.5}, {"jitter": 1.0}],
)
def test_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)  # type: ignore[arg-type]

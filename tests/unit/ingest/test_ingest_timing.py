"""Timestamps, fps sampling, wall time and pacing: the rules every source shares."""

from __future__ import annotations

import threading
import time

import pytest

from citywatch.ingest.sources.timing import FpsSampler, Pacer, Timeline, WallAnchor, sampled_count


def test_timeline_passes_good_timestamps_through_relative_to_the_first() -> None:
    timeline = Timeline(10.0)
    assert [timeline.next(t) for t in (1.4, 1.5, 1.6, 1.8)] == pytest.approx([0, 0.1, 0.2, 0.4])


def test_timeline_repairs_decode_order_pts_like_vtest_avi() -> None:
    # vtest.avi's decoded frames carry pts 1, 4, 3, 5, 2, 8, 7, 9, 6 (time base 1/10).
    raw = [0.1, 0.4, 0.3, 0.5, 0.2, 0.8, 0.7, 0.9, 0.6]
    timeline = Timeline(10.0)
    out = [timeline.next(t) for t in raw]
    assert all(b > a for a, b in zip(out, out[1:], strict=False))
    assert out[0] == 0.0
    assert max(abs(ts - i / 10) for i, ts in enumerate(out)) <= 0.2 + 1e-9


def test_timeline_without_timestamps_counts_frame_periods() -> None:
    timeline = Timeline(25.0)
    out = [timeline.next(None) for _ in range(5)]
    assert out == pytest.approx([0, 0.04, 0.08, 0.12, 0.16])


def test_timeline_unknown_rate_defaults_to_25() -> None:
    timeline = Timeline(None)
    timeline.next(None)
    assert timeline.next(None) == pytest.approx(0.04)


def test_timeline_new_pass_continues_after_the_last_frame() -> None:
    timeline = Timeline(10.0)
    for t in (0.0, 0.1, 0.2):
        timeline.next(t)
    timeline.new_pass()
    assert [timeline.next(t) for t in (0.0, 0.1)] == pytest.approx([0.3, 0.4])


def test_sampler_halves_a_10fps_source_at_5fps() -> None:
    sampler = FpsSampler(5.0, 10.0)
    kept = [i for i in range(20) if sampler.keep(i / 10)]
    assert kept == list(range(0, 20, 2))
    assert sampled_count(795, 10.0, 5.0) == 398


def test_sampler_keeps_every_frame_of_a_jittery_stream_at_its_own_rate() -> None:
    sampler = FpsSampler(10.0, 10.0)
    jitter = [0.0, 0.099, 0.201, 0.298, 0.402, 0.5]
    assert all(sampler.keep(ts) for ts in jitter)


def test_sampler_above_source_rate_or_none_keeps_everything() -> None:
    faster = FpsSampler(30.0, 25.0)
    assert all(faster.keep(i / 25) for i in range(50))
    everything = FpsSampler(None)
    assert all(everything.keep(i / 25) for i in range(50))


def test_sampler_does_not_burst_after_a_gap() -> None:
    sampler = FpsSampler(5.0, 25.0)
    assert sampler.keep(0.0)
    assert sampler.keep(10.0)  # 10 s gap: one frame, not 50 catch-up frames
    assert not sampler.keep(10.04)
    assert sampler.keep(10.2)


def test_sampler_rejects_nonpositive_fps() -> None:
    with pytest.raises(ValueError):
        FpsSampler(0.0)


def test_sampled_count_uneven_rates() -> None:
    # 30 fps to 4 fps: one frame every 7.5 source frames, so 8 kept per 60 frames.
    assert sampled_count(60, 30.0, 4.0) == 8


def test_file_wall_time_is_open_time_plus_ts() -> None:
    anchor = WallAnchor(live=False, clock=lambda: 1000.0)
    assert anchor.wall_time(2.5) == 1002.5


def test_live_wall_time_anchors_on_the_least_delayed_frame() -> None:
    now = [100.0]
    anchor = WallAnchor(live=True, clock=lambda: now[0], max_lag=5.0)
    now[0] = 100.0
    assert anchor.wall_time(0.0) == 100.0  # first frame came late (probing)...
    now[0] = 100.1
    assert anchor.wall_time(0.5) == pytest.approx(100.1)  # ...this one was early: re-anchor
    now[0] = 101.0
    assert anchor.wall_time(1.0) == pytest.approx(100.6)  # buffered burst keeps stream spacing
    now[0] = 120.0
    assert anchor.wall_time(2.0) == pytest.approx(120.0)  # far behind: timeline broke


def test_pacer_waits_until_each_frame_is_due() -> None:
    pacer = Pacer(threading.Event())
    start = time.monotonic()
    for ts in (0.0, 0.05, 0.10, 0.15):
        assert pacer.wait(ts)
    assert time.monotonic() - start >= 0.14


def test_pacer_wait_is_interruptible() -> None:
    stop = threading.Event()
    pacer = Pacer(stop)
    pacer.wait(0.0)
    threading.Timer(0.05, stop.set).start()
    start = time.monotonic()
    assert not pacer.wait(30.0)
    assert time.monotonic() - start < 1.0


def test_pacer_does_not_burst_when_the_consumer_is_late() -> None:
    clock = [0.0]
    pacer = Pacer(threading.Event(), clock=lambda: clock[0], max_behind=1.0)
    pacer.wait(0.0)
    clock[0] = 5.0  # the consumer went away for 5 s
    assert pacer.wait(0.04)  # late: returns at once and moves the schedule
    start = time.monotonic()
    assert pacer.wait(0.08)  # due 0.04 s after the previous one, not 4.9 s ago
    assert time.monotonic() - start >= 0.03

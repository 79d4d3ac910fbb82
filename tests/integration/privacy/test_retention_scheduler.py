"""The scheduled purge thread of `citywatch serve`."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from retention_seed import OLD, add_cameras, config, save_person_track

from citywatch.privacy.scheduler import RetentionScheduler
from citywatch.store import open_store


def test_purges_in_the_background_and_logs_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = config()
    with open_store(None, tmp_path / "data") as store:
        add_cameras(store, settings)
        save_person_track(store, "gate", OLD, None)
        store.flush()
        caplog.set_level(logging.INFO, "citywatch.privacy")
        scheduler = RetentionScheduler(store, lambda: settings, first_delay_s=0.01).start()
        deadline = time.monotonic() + 10
        while scheduler.runs == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        scheduler.stop()
        assert scheduler.runs == 1  # the next one waits purge_interval_s (an hour)
        assert scheduler.last_report is not None
        assert scheduler.last_report.tables["sightings"].deleted == 2
        assert store.counts().sightings == 0
        assert any("retention (scheduled)" in r.message for r in caplog.records)


def test_a_failed_purge_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> object:
        raise RuntimeError("config gone")

    with open_store(None, tmp_path / "data") as store:
        scheduler = RetentionScheduler(store, broken)  # type: ignore[arg-type]
        assert scheduler.run_once() is None
    assert "scheduled purge failed" in caplog.text


def test_disabled_retention_starts_no_thread(tmp_path: Path) -> None:
    settings = config(enabled=False)
    with open_store(None, tmp_path / "data") as store:
        scheduler = RetentionScheduler(store, lambda: settings, first_delay_s=0.0).start()
        time.sleep(0.05)
        scheduler.stop()
        assert scheduler.runs == 0

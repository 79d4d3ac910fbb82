"""The media directory is out of space (a small tmpfs mounted over it, as root, and filled):
thumbnails and clips fail with one clear warning, analysis and the database go on, and the
database stays whole. Without root (no mount) the test skips, naming why; CI runs as root."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from citywatch.config import parse_config
from citywatch.demo.scene import scene_config, write_scene
from citywatch.models import ModelRegistry
from citywatch.pipeline.service import load_models, start_pipeline
from citywatch.store import open_store_from_config

pytestmark = pytest.mark.slow


@pytest.fixture
def full_media(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    media = data_dir / "media"
    media.mkdir(parents=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs over the media directory needs root (CI is root)")
    mount = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(media)]
    done = subprocess.run(mount, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        with contextlib.suppress(OSError), open(media / "filler", "wb", buffering=0) as filler:
            while True:  # every byte taken: the next write anywhere under media/ fails
                filler.write(b"\0" * 512)
        yield data_dir
    finally:
        subprocess.run(["umount", "-l", str(media)], check=False)


def test_a_full_media_disk_costs_pictures_not_records(full_media, tmp_path, model_dir, caplog):
    config = parse_config(scene_config(write_scene(tmp_path / "demo"), loop=False))
    models = load_models(config, ModelRegistry(model_dir))
    store = open_store_from_config(config.storage, full_media)
    with caplog.at_level(logging.WARNING):
        running = start_pipeline(config, store, models)
        try:
            assert running.runner.wait(timeout=180)
        finally:
            running.stop()
    counts = store.counts()
    store.close()

    assert running.runner.failures() == []
    assert counts.tracks >= 3 and counts.events == 1  # every record is there
    full = [r.getMessage() for r in caplog.records if "No space left" in r.getMessage()]
    assert full, "the full disk is reported"
    assert all("\n" not in message for message in full)  # one line each, no traceback
    assert len(full) <= 10  # reported, not repeated for every picture
    with sqlite3.connect(full_media / "citywatch.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        no_thumb = connection.execute("SELECT count(*) FROM sightings WHERE thumbnail_path IS NULL")
        assert no_thumb.fetchone()[0] > 0  # stored without the pictures that did not fit

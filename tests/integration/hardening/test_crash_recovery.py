"""`citywatch serve` killed with SIGKILL mid-ingest, then started again.

The demo scene plays in a loop with the astronaut enrolled (through the CLI, so the audit log
has entries). Once an alert and a rule event are committed, the process is killed without
warning. Afterwards: SQLite's integrity and foreign-key checks pass, the audit chain verifies,
every row committed before the kill is still there, and the restarted server goes on ingesting
(new tracks, a new alert) and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from citywatch.demo.scene import scene_config, write_scene

pytestmark = pytest.mark.slow

TABLES = ("tracks", "alerts", "events", "audit_log")


def citywatch(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "citywatch", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def ids(database: Path) -> dict[str, set[int]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as connection:
        return {t: {r[0] for r in connection.execute(f"SELECT id FROM {t}")} for t in TABLES}


@pytest.fixture
def site(tmp_path: Path, model_dir: Path) -> tuple[Path, Path, dict[str, str]]:
    import cv2
    from skimage import data

    env = {**os.environ, "CITYWATCH_MODEL_DIR": str(model_dir), "PYTHONUNBUFFERED": "1"}
    data_dir = tmp_path / "data"
    config = tmp_path / "site.yaml"
    config.write_text(yaml.safe_dump(scene_config(write_scene(tmp_path / "demo"), loop=True)))
    photo = tmp_path / "collins.png"
    cv2.imwrite(str(photo), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    where = ["--data-dir", str(data_dir)]
    steps = [
        ["users", "add", "ann", "--role", "investigator", "--generate-password", *where],
        ["cases", "add", "CASE-1", "--title", "crash test", "--member", "ann", *where],
        ["watchlist", "add", "Eileen Collins", str(photo), "--reason", "test",
         "--legal-basis", "test", "--expires", "2099-01-01", "--by", "ann", "--case", "CASE-1",
         "--purpose", "crash recovery test", *where],
    ]  # fmt: skip
    for step in steps:
        done = citywatch(*step, env=env)
        assert done.returncode == 0, done.stderr
    return config, data_dir, env


def serve(config: Path, data_dir: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """The server in the background, its log in a file (a pipe nobody reads would fill up)."""
    command = [sys.executable, "-m", "citywatch", "serve", "--config", str(config)]
    command += ["--data-dir", str(data_dir), "--port", "0"]
    log = open(data_dir.parent / "serve.log", "a", encoding="utf-8")  # noqa: SIM115
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)


def log_tail(data_dir: Path) -> str:
    return (data_dir.parent / "serve.log").read_text(encoding="utf-8")[-3000:]


def test_a_killed_server_loses_no_committed_row_and_the_next_one_goes_on(site):
    config, data_dir, env = site
    database = data_dir / "citywatch.db"
    run = serve(config, data_dir, env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(1)
            assert run.poll() is None, log_tail(data_dir)
            before = ids(database)
            if before["alerts"] and before["events"]:
                break
        else:
            pytest.fail("no alert and event were committed within 2 minutes")
        time.sleep(1.5)  # mid-ingest: more is being written as it dies
        before = ids(database)
        run.send_signal(signal.SIGKILL)
        assert run.wait(timeout=10) == -signal.SIGKILL
    finally:
        if run.poll() is None:
            run.kill()

    with sqlite3.connect(database, timeout=10) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    after = ids(database)
    for table in TABLES:
        assert before[table] <= after[table], table
    assert before["audit_log"], "the enrolment was audited"
    verified = citywatch("audit", "verify", "--data-dir", str(data_dir), env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    again = serve(config, data_dir, env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(1)
            assert again.poll() is None, log_tail(data_dir)
            resumed = ids(database)
            if max(resumed["alerts"]) > max(after["alerts"]):
                break
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=60) == 0, log_tail(data_dir)
    finally:
        if again.poll() is None:
            again.kill()
    resumed = ids(database)
    assert max(resumed["tracks"]) > max(after["tracks"])  # ingest goes on
    assert max(resumed["alerts"]) > max(after["alerts"])  # and so do the alerts
    for table in TABLES:
        assert after[table] <= resumed[table], table

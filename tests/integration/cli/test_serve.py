"""`citywatch serve`: the API, the web UI and the cameras in one process, stopped by a signal.

Run as a real process on a free port: what a person starts, signs in to and stops with Ctrl-C.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml

from citywatch.demo.scene import scene_config, write_scene
from citywatch.store import open_store

PASSWORD = "correct horse battery"
SERVING = re.compile(r"serving on (http://\S+)")


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "citywatch", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def serving(*args: str, timeout: float = 120) -> Iterator[tuple[str, subprocess.Popen]]:
    """`citywatch serve ARGS --port 0`; yields its URL once it answers, and the process."""
    env = {**os.environ, "COLUMNS": "200"}  # the URL on one line
    process = subprocess.Popen(
        [sys.executable, "-m", "citywatch", "serve", "--port", "0", *args],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + timeout
        url = None
        lines = []
        while url is None:
            line = process.stderr.readline()
            assert line or process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            lines.append(line)
            found = SERVING.search(line)
            url = found.group(1) if found else None
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def stop(process: subprocess.Popen, sig: int = signal.SIGINT) -> int:
    process.send_signal(sig)
    code = process.wait(timeout=60)
    return code


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


def test_serve_without_cameras_signs_in_the_first_admin(tmp_path):
    data = tmp_path / "data"
    config = write_config(tmp_path / "cameras.yaml", {"cameras": []})
    added = cli(
        "users",
        "add",
        "root",
        "--role",
        "admin",
        "--password-stdin",
        "--data-dir",
        str(data),
        stdin=PASSWORD,
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["role"] == "admin"
    with serving("--config", str(config), "--data-dir", str(data)) as (url, process):
        with httpx.Client(base_url=url) as client:
            assert client.get("/api/health").status_code == 200
            assert client.get("/api/auth/me").status_code == 401
            assert "Sign in" in client.get("/").text
            login = client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
            assert login.status_code == 200
            assert client.get("/api/auth/me").json()["role"] == "admin"
        assert stop(process, signal.SIGTERM) == 0


def test_a_port_in_use_is_a_one_line_error(tmp_path):
    config = write_config(tmp_path / "cameras.yaml", {"cameras": []})
    data = str(tmp_path / "data")
    with serving("--config", str(config), "--data-dir", data, "--no-pipeline") as (url, process):
        port = url.rsplit(":", 1)[1]
        second = cli("serve", "--config", str(config), "--data-dir", data, "--port", port)
        assert second.returncode == 1
        assert f"citywatch: error: cannot listen on 127.0.0.1:{port}: " in second.stderr
        assert "Traceback" not in second.stderr
        assert stop(process) == 0


@pytest.mark.slow
def test_serve_runs_the_cameras_beside_the_api(model_dir, tmp_path):
    data = tmp_path / "data"
    paths = write_scene(tmp_path / "scene")
    config = write_config(tmp_path / "cameras.yaml", scene_config(paths, loop=False))
    args = ("--config", str(config), "--data-dir", str(data), "--model-dir", str(model_dir))
    added = cli(
        "users",
        "add",
        "root",
        "--role",
        "admin",
        "--password-stdin",
        "--data-dir",
        str(data),
        stdin=PASSWORD,
    )
    assert added.returncode == 0, added.stderr
    with serving(*args) as (url, process):
        assert httpx.get(f"{url}/api/health").status_code == 200
        time.sleep(8)  # the scene plays in real time: people walk into the first cameras
        assert httpx.get(f"{url}/api/health").status_code == 200  # still serving
        with httpx.Client(base_url=url) as client:
            token = client.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.json()['token']}"}
            # The pipeline feeds each camera's latest picture to the API's live view.
            snapshot = client.get("/api/cameras/entrance/snapshot", headers=headers)
            assert snapshot.status_code == 200, snapshot.text
            assert snapshot.headers["content-type"].startswith("image/jpeg")
            assert snapshot.content[:2] == b"\xff\xd8"
        assert stop(process) == 0  # Ctrl-C: cameras stop, open tracks are written
    with open_store(None, data) as store:
        assert store.counts().tracks > 0

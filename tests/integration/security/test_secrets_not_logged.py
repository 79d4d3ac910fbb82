"""Secrets never reach the logs or error messages: a database password, a Redis password, a
webhook secret and a broker password, each from the environment (`${NAME}` in the file).

Three real runs of `citywatch run -v` (verbose) over the demo scene: a database that refuses
the password, the Redis bus with a password, and a run that works (SQLite, the webhook and the
broker configured). Whatever each prints, none of the secrets is in it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from citywatch.demo.scene import scene_config, write_scene

pytestmark = pytest.mark.slow

SECRETS = {
    "CW_PG_PASSWORD": "pg-Secret-7f3a9",
    "CW_REDIS_PASSWORD": "redis-Secret-51c2",
    "CW_WEBHOOK_SECRET": "webhook-Secret-0d8e4b1c9a",
    "CW_MQTT_PASSWORD": "mqtt-Secret-a6e0",
}


def run(tmp_path: Path, model_dir: Path, name: str, overrides: dict[str, Any]) -> str:
    config = scene_config(write_scene(tmp_path / "demo"), loop=False) | overrides
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {**os.environ, **SECRETS, "CITYWATCH_MODEL_DIR": str(model_dir)}
    command = [sys.executable, "-m", "citywatch", "-v", "run", "--config", str(path)]
    command += ["--data-dir", str(tmp_path / name), "--duration", "4"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


def assert_no_secret(output: str) -> None:
    for name, value in SECRETS.items():
        assert value not in output, f"{name} appears in the output"


def test_a_refused_database_password_is_not_shown(tmp_path, model_dir, postgres_url):
    url = make_url(postgres_url).set(password="${CW_PG_PASSWORD}")
    output = run(
        tmp_path, model_dir, "pg", {"storage": {"url": url.render_as_string(hide_password=False)}}
    )
    assert output.startswith("exit 1") or output.startswith("exit 2"), output[-2000:]
    assert "password" in output.lower() or "authentication" in output.lower()
    assert_no_secret(output)


def test_a_redis_password_is_not_shown(tmp_path, model_dir, redis_url):
    # The test Redis has no password set: it lets a client that sends one in (redis-py
    # forgives that answer); the run connects, logs the bus's URL, and must mask it.
    assert "@" not in redis_url
    redis = redis_url.replace("redis://", "redis://:${CW_REDIS_PASSWORD}@", 1)
    output = run(tmp_path, model_dir, "redis", {"bus": {"backend": "redis", "url": redis}})
    assert "Redis bus redis://:***@" in output, output[-2000:]
    assert_no_secret(output)


def test_a_working_run_with_every_secret_configured_logs_none(tmp_path, model_dir):
    outputs = {
        "webhooks": [{"url": "http://127.0.0.1:9/hook", "secret": "${CW_WEBHOOK_SECRET}"}],
        "mqtt": {
            "host": "127.0.0.1",
            "port": 1883,
            "username": "citywatch",
            "password": "${CW_MQTT_PASSWORD}",
        },
    }
    output = run(tmp_path, model_dir, "ok", {"outputs": outputs})
    assert output.startswith("exit 0"), output[-2000:]
    assert "webhook" in output.lower()  # the outputs were really set up and talked about
    assert_no_secret(output)

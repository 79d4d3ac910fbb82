"""The `cluster` section: embedded by default; Ray needs the shared database and bus, and bad
values name their key."""

from __future__ import annotations

import pytest

from citywatch.config import parse_config
from citywatch.config.cluster import ClusterConfig
from citywatch.core.errors import ConfigError

SHARED = {
    "storage": {"url": "postgresql+psycopg://cw:${CW_TEST_PG_PASSWORD}@db/citywatch"},
    "bus": {"backend": "redis", "url": "redis://bus:6379/0"},
}


def test_cameras_run_in_this_process_by_default():
    cluster = parse_config({}).cluster
    assert cluster == ClusterConfig()
    assert cluster.backend == "embedded" and cluster.address is None


def test_a_ray_cluster_on_the_shared_database_and_bus(monkeypatch):
    monkeypatch.setenv("CW_TEST_PG_PASSWORD", "pw")
    config = parse_config(
        {**SHARED, "cluster": {"backend": "ray", "address": "auto", "workers": 8}}
    )
    assert config.cluster.backend == "ray" and config.cluster.workers == 8
    assert config.cluster.address == "auto"


@pytest.mark.parametrize(
    ("settings", "key", "reason"),
    [
        ({"bus": SHARED["bus"]}, "storage.url", "postgresql"),  # SQLite is one machine's file
        (
            {**SHARED, "storage": {"url": "sqlite:///x.db"}},
            "storage.url",
            "postgresql",
        ),
        (
            {**SHARED, "storage": {**SHARED["storage"], "vector_index": "memory"}},
            "storage.vector_index",
            "shared database",
        ),
        ({"storage": SHARED["storage"]}, "bus.backend", "redis"),
    ],
)
def test_ray_without_a_shared_store_or_bus_is_refused(monkeypatch, settings, key, reason):
    monkeypatch.setenv("CW_TEST_PG_PASSWORD", "pw")
    with pytest.raises(ConfigError) as raised:
        parse_config({**settings, "cluster": {"backend": "ray"}})
    assert key in str(raised.value) and reason in str(raised.value)


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"backend": "spark"}, "backend"),
        ({"workers": 0}, "workers"),
        ({"cpus_per_worker": 0}, "cpus_per_worker"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_wait_ms": -1}, "batch_wait_ms"),
        ({"heart_beat": 1}, "heart_beat"),  # unknown keys are errors
    ],
)
def test_bad_values_name_their_key(settings, key):
    with pytest.raises(ConfigError) as raised:
        parse_config({"cluster": settings})
    assert f"cluster.{key}" in str(raised.value)


def test_a_host_must_be_given_up_on_later_than_it_reports():
    with pytest.raises(ConfigError) as raised:
        parse_config({"cluster": {"heartbeat_s": 5, "dead_after_s": 2}})
    assert "cluster" in str(raised.value) and "dead_after_s" in str(raised.value)

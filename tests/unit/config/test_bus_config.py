"""The `bus` section: in-process by default; Redis needs a URL, and bad values name the key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from citywatch.config import parse_config
from citywatch.config.bus import BusConfig
from citywatch.core.errors import ConfigError


def test_the_bus_is_in_process_by_default():
    bus = parse_config({}).bus
    assert bus == BusConfig()
    assert bus.backend == "local" and bus.url is None and bus.node is None
    assert bus.stream_prefix == "citywatch" and bus.max_stream_length == 10_000


def test_a_redis_bus_from_the_file_with_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("CW_TEST_REDIS_PASSWORD", "s3cret")
    data = {
        "bus": {
            "backend": "redis",
            "url": "redis://:${CW_TEST_REDIS_PASSWORD}@redis.internal:6379/2",
            "stream_prefix": "site-a",
            "max_stream_length": 5000,
            "node": "edge-3",
        }
    }
    bus = parse_config(data).bus
    assert bus.backend == "redis" and bus.url == "redis://:s3cret@redis.internal:6379/2"
    assert (bus.stream_prefix, bus.max_stream_length, bus.node) == ("site-a", 5000, "edge-3")


def test_redis_without_a_url_is_an_error_naming_the_section():
    with pytest.raises(ConfigError) as raised:
        parse_config({"bus": {"backend": "redis"}})
    assert "bus" in str(raised.value) and "url" in str(raised.value)


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"backend": "kafka"}, "backend"),
        ({"backend": "redis", "url": "http://redis:6379"}, "url"),
        ({"backend": "redis", "url": "redis://:6379"}, "url"),
        ({"backend": "redis", "url": "redis://host:99999/0"}, "url"),
        ({"stream_prefix": ""}, "stream_prefix"),
        ({"stream_prefix": "a b"}, "stream_prefix"),
        ({"max_stream_length": 10}, "max_stream_length"),
        ({"node": ""}, "node"),
        ({"redis_url": "redis://x"}, "redis_url"),  # unknown keys are errors
    ],
)
def test_bad_values_name_their_key(settings, key):
    with pytest.raises(ConfigError) as raised:
        parse_config({"bus": settings})
    assert f"bus.{key}" in str(raised.value)


def test_tls_and_unix_socket_urls_are_accepted():
    for url in ("rediss://redis.example.org:6380/0", "unix:///run/redis/redis.sock?db=1"):
        assert BusConfig(backend="redis", url=url).url == url


def test_the_section_is_frozen():
    with pytest.raises(ValidationError):
        BusConfig().backend = "redis"  # type: ignore[misc]

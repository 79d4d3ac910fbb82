"""The `retention:` section and cameras' overrides."""

from __future__ import annotations

import pytest

from citywatch.config import parse_config
from citywatch.config.retention import CameraRetention, RetentionConfig
from citywatch.core.errors import ConfigError


def test_defaults_keep_events_and_alerts_longer_than_sightings() -> None:
    retention = RetentionConfig()
    assert retention.days_for("sightings") == 30
    assert retention.days_for("tracks") == 30
    assert retention.days_for("plate_reads") == 30
    assert retention.days_for("events") == 90
    assert retention.days_for("alerts") == 90
    assert retention.purge_interval_s == 3600
    with pytest.raises(KeyError):
        retention.days_for("audit")  # never purged by retention


def test_a_camera_overrides_only_the_keys_it_sets_and_null_keeps_forever() -> None:
    config = parse_config(
        {
            "retention": {"sightings": 14, "events": None},
            "cameras": [
                {"id": "gate", "source": "a.mp4", "retention": {"sightings": 3, "tracks": None}},
                {"id": "yard", "source": "b.mp4"},
            ],
        }
    )
    gate, yard = (camera.retention for camera in config.cameras)
    assert config.retention.days_for("sightings", gate) == 3
    assert config.retention.days_for("tracks", gate) is None
    assert config.retention.days_for("plate_reads", gate) == 30
    assert config.retention.days_for("events", gate) is None
    assert config.retention.days_for("sightings", yard) == 14
    assert config.retention.days_for("sightings", CameraRetention()) == 14


@pytest.mark.parametrize(
    "section",
    [{"sightings": 0}, {"sightings": -1}, {"audit": 10}, {"purge_interval_s": 5}],
)
def test_bad_values_are_refused_with_their_key(section: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="retention"):
        parse_config({"retention": section})


def test_a_camera_override_refuses_unknown_keys() -> None:
    with pytest.raises(ConfigError, match=r"cameras\[0\]\.retention"):
        parse_config({"cameras": [{"id": "gate", "source": "a.mp4", "retention": {"faces": 1}}]})

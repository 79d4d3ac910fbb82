"""Rule configuration: a good camera loads; every mistake names its key path."""

from __future__ import annotations

import pytest

from citywatch.config import parse_config
from citywatch.config.rules import LineCrossingConfig, RedLightConfig, ScheduleSignalConfig
from citywatch.core.errors import ConfigError

ZONES = [
    {"name": "door", "polygon": [[0, 0], [100, 0], [100, 100], [0, 100]]},
    {"name": "road", "polygon": [[0, 200], [640, 200], [640, 300]]},
]
LINES = [{"name": "gate", "points": [[0, 150], [640, 150]], "direction": "a_to_b"}]
HOMOGRAPHY = {
    "image": [[100, 400], [540, 400], [420, 200], [220, 200]],
    "ground": [[0, 0], [10, 0], [10, 20], [0, 20]],
}
SIGNALS = [
    {"type": "schedule", "name": "main", "phases": [{"state": "red", "duration_s": 30}]},
    {"type": "http", "name": "ctl", "url": "http://10.0.0.9/state"},
    {"type": "mqtt", "name": "bus", "host": "broker", "topic": "signals/1"},
    {"type": "image", "name": "head", "polygon": [[600, 10], [620, 10], [620, 60], [600, 60]]},
]


def camera_with(**fields) -> dict:
    return {"id": "cam", "source": "x.mp4", "zones": ZONES, "lines": LINES, **fields}


def test_every_rule_type_and_signal_loads():
    rules = [
        {"type": "intrusion", "name": "in", "zone": "door"},
        {"type": "loitering", "name": "loiter", "zone": "door", "dwell_s": 20},
        {"type": "line_crossing", "name": "count", "line": "gate", "classes": ["vehicle"]},
        {"type": "running", "name": "run", "speed_mps": 3.0},
        {"type": "crowding", "name": "crowd", "zone": "road", "max_count": 5},
        {"type": "wrong_way", "name": "ww", "zone": "road", "allowed": [[0, 250], [640, 250]]},
        {"type": "left_behind", "name": "bag", "min_static_s": 60},
        {
            "type": "red_light",
            "name": "stop",
            "signal": "main",
            "line": "gate",
            "classes": ["vehicle"],
        },
    ]
    config = parse_config(
        {"cameras": [camera_with(homography=HOMOGRAPHY, signals=SIGNALS, rules=rules)]}
    )
    camera = config.cameras[0]
    assert [r.type for r in camera.rules] == [r["type"] for r in rules]
    assert isinstance(camera.rules[2], LineCrossingConfig) and camera.rules[2].margin_px == 6.0
    assert camera.rules[5].classes == ["vehicle", "bicycle"]  # wrong-way defaults to traffic
    assert isinstance(camera.rules[7], RedLightConfig) and camera.rules[7].line == "gate"
    assert isinstance(camera.signals[0], ScheduleSignalConfig)
    assert camera.lines[0].direction == "a_to_b"


def rule(**fields) -> dict:
    return {"cameras": [camera_with(signals=SIGNALS[:1], rules=[fields])]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            rule(type="intrusion", name="r", zone="lobby"),
            "cameras[0].rules[0].zone: unknown zone 'lobby' (this camera's zones: door, road)",
        ),
        (
            rule(type="line_crossing", name="r", line="exit"),
            "cameras[0].rules[0].line: unknown line 'exit'",
        ),
        (
            rule(type="red_light", name="r", signal="nope", zone="road", classes=["person"]),
            "cameras[0].rules[0].signal: unknown signal 'nope' (this camera's signals: main)",
        ),
        (
            rule(type="running", name="r", speed_mps=3),
            "cameras[0].rules[0].speed_mps: needs a homography on this camera",
        ),
        (
            rule(type="running", name="r"),
            "cameras[0].rules[0]: give exactly one of speed_mps and speed_px_s",
        ),
        (
            rule(type="red_light", name="r", signal="main", zone="road", line="gate", classes=[]),
            "cameras[0].rules[0].classes: List should have at least 1 item",
        ),
        (
            rule(type="red_light", name="r", signal="main", zone="road"),
            "cameras[0].rules[0].classes: Field required",
        ),
        (
            rule(type="red_light", name="r", signal="main", classes=["vehicle"]),
            "give exactly one of zone (a crosswalk) and line (a stop line)",
        ),
        (
            rule(type="loitering", name="r", zone="door"),
            "cameras[0].rules[0].dwell_s: Field required",
        ),
        (
            rule(type="intrusion", name="r", zone="door", classes=["dog"]),
            "cameras[0].rules[0].classes[0]: Input should be 'person', 'vehicle'",
        ),
        (
            rule(type="teleport", name="r"),
            "cameras[0].rules[0]: Input tag 'teleport' found using 'type' does not match",
        ),
        (
            rule(type="intrusion", name="r", zone="door", cooldown_s=-1),
            "cameras[0].rules[0].cooldown_s: Input should be greater than or equal to 0",
        ),
        (
            rule(type="wrong_way", name="r", zone="road", allowed=[[5, 5], [5, 5]]),
            "cameras[0].rules[0].allowed: the arrow's tail and head",
        ),
        (
            {
                "cameras": [
                    camera_with(
                        rules=[
                            {"type": "intrusion", "name": "twice", "zone": "door"},
                            {"type": "intrusion", "name": "twice", "zone": "road"},
                        ]
                    )
                ]
            },
            "cameras[0].rules: names repeat: twice",
        ),
        (
            {"cameras": [camera_with(lines=[{"name": "l", "points": [[1, 1], [1, 1.5]]}])]},
            "cameras[0].lines[0].points: the two points must be at least 1 pixel",
        ),
        (
            {
                "cameras": [
                    camera_with(
                        lines=[{"name": "l", "points": [[0, 0], [9, 9]], "direction": "up"}]
                    )
                ]
            },
            "cameras[0].lines[0].direction: Input should be 'a_to_b', 'b_to_a' or 'both'",
        ),
        (
            {
                "cameras": [
                    camera_with(zones=[{"name": "flat", "polygon": [[0, 0], [5, 5], [9, 9]]}])
                ]
            },
            "cameras[0].zones[0].polygon: the polygon has no area",
        ),
    ],
)
def test_bad_rules_name_the_key_path(data, message):
    with pytest.raises(ConfigError) as error:
        parse_config(data, origin="c.yaml")
    text = str(error.value)
    assert text.startswith("c.yaml: ") and message in text and "\n" not in text, text


def homography(**fields) -> dict:
    return {"cameras": [camera_with(homography={**HOMOGRAPHY, **fields})]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"image": HOMOGRAPHY["image"][:3]}, "homography.image: List should have at least 4"),
        (
            {"ground": [*HOMOGRAPHY["ground"], [5, 5]]},
            "homography: image has 4 points but ground has 5",
        ),
        (
            {"image": [[0, 0], [10, 10], [20, 20], [30, 0]]},
            "homography: image: points 0, 1, 2 lie on one line",
        ),
        (
            {"ground": [[0, 0], [1, 0], [2, 0], [3, 0]]},
            "homography: ground: all points lie on one line",
        ),
        (
            {"image": [[0, 0], [0, 0], [20, 20], [30, 0]]},
            "homography: image: points 0 and 1 coincide",
        ),
    ],
)
def test_a_degenerate_homography_is_refused(fields, message):
    with pytest.raises(ConfigError) as error:
        parse_config(homography(**fields), origin="c.yaml")
    assert message in str(error.value), str(error.value)


@pytest.mark.parametrize(
    ("signal", "message"),
    [
        (
            {"type": "http", "name": "s", "url": "ftp://x/state"},
            "signals[0].url: must be an http:// or https:// URL",
        ),
        (
            {"type": "http", "name": "s", "url": "http://x/", "interval_s": 10, "stale_s": 5},
            "signals[0]: stale_s must be at least interval_s",
        ),
        (
            {"type": "mqtt", "name": "s", "host": "b", "topic": "signals/#"},
            "signals[0].topic: must be one topic, without wildcards",
        ),
        (
            {"type": "schedule", "name": "s", "phases": []},
            "signals[0].phases: List should have at least 1 item",
        ),
        (
            {"type": "schedule", "name": "s", "phases": [{"state": "blue", "duration_s": 3}]},
            "signals[0].phases[0].state: Input should be 'red', 'amber' or 'green'",
        ),
        (
            {"type": "image", "name": "s", "polygon": [[0, 0], [1, 1]]},
            "signals[0].polygon: List should have at least 3 items",
        ),
    ],
)
def test_bad_signals_name_the_key_path(signal, message):
    with pytest.raises(ConfigError) as error:
        parse_config({"cameras": [camera_with(signals=[signal])]}, origin="c.yaml")
    assert message in str(error.value), str(error.value)


def test_repeated_signal_names_are_refused():
    signals = [SIGNALS[0], {**SIGNALS[1], "name": "main"}]
    with pytest.raises(ConfigError, match=r"cameras\[0\].signals: names repeat: main"):
        parse_config({"cameras": [camera_with(signals=signals)]})

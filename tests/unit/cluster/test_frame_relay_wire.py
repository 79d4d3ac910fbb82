"""A live frame's wire form between a host and the head: what goes in comes out; anything
else in the key is refused, not shown."""

from __future__ import annotations

import json

import pytest

from citywatch.cluster.live_frames import decode_frame, encode_frame, frame_key
from citywatch.core.records import LiveTrack


def test_a_frame_comes_back_as_it_was_sent():
    tracks = [LiveTrack(7, "person", (1.0, 2.0, 30.0, 60.0))]
    value = encode_frame(b"\xff\xd8jpeg", 12.5, None, [(1.0, 2.0, 30.0, 60.0)], tracks, (640, 360))
    jpeg, header = decode_frame(value)
    assert jpeg == b"\xff\xd8jpeg"
    assert header == {
        "time": 12.5,
        "faces": None,  # not known: the API then blurs the whole frame for viewers
        "persons": [[1.0, 2.0, 30.0, 60.0]],
        "tracks": [[7, "person", [1.0, 2.0, 30.0, 60.0]]],
        "size": [640, 360],
    }


@pytest.mark.parametrize(
    "value", [b"", b"\x00\x00", b"\x00\x00\x00\x02[]", b"\x00\x00\x00\x09not json"]
)
def test_anything_else_is_refused(value):
    with pytest.raises((ValueError, json.JSONDecodeError)):
        decode_frame(value)


def test_each_camera_has_its_own_key_under_the_bus_prefix():
    assert frame_key("site-a", "gate") == "site-a:frame:gate"

"""A RemotePayload (heard from another node) is its payload as it came, less the media paths
this node's outputs may not send."""

from __future__ import annotations

from citywatch.bus.messages import RemotePayload
from citywatch.bus.payloads import to_payload

ALERT = {
    "type": "alert",
    "id": "alert-7",
    "camera": "gate",
    "evidence_path": "alerts/gate/a.jpg",
}
EVENT = {
    "type": "event",
    "id": "event-abc",
    "values": {"zone": "door", "clip_path": "clips/x.mp4", "track": {"thumbnail": "t.jpg", "n": 2}},
}


def test_with_media_paths_allowed_the_payload_comes_back_unchanged():
    message = RemotePayload("alerts", ALERT, "node-a")
    assert to_payload(message, include_media_paths=True) is ALERT


def test_without_media_paths_the_evidence_and_media_values_are_left_out():
    alert = to_payload(RemotePayload("alerts", ALERT, "node-a"))
    assert alert == {"type": "alert", "id": "alert-7", "camera": "gate"}
    event = to_payload(RemotePayload("events", EVENT, "node-a"))
    assert event["values"] == {"zone": "door", "track": {"n": 2}} and event["id"] == "event-abc"
    assert "evidence_path" in ALERT and "clip_path" in EVENT["values"]  # the message is intact


def test_a_payload_without_media_is_equal_either_way():
    counts = {"type": "counts", "id": "counts-1", "camera": "gate", "objects": {"person": 2}}
    message = RemotePayload("counts", counts, "node-b")
    assert to_payload(message) == counts == to_payload(message, include_media_paths=True)

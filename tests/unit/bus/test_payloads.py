import json
import math
from dataclasses import replace

import numpy as np
import pytest
from bus_samples import face_alert

from citywatch.bus.messages import AlertMessage, CountsMessage, EventMessage, PlateAlertMessage
from citywatch.bus.payloads import encode, iso_time, to_payload
from citywatch.core.records import Event

NOW = 1_700_000_000.25


def alert_message(evidence_path: str | None = "alerts/gate/2023-11-14/a.jpg") -> AlertMessage:
    alert = face_alert(
        time=NOW,
        distance=np.float32(0.25),
        frame_index=17,
        evidence=np.full((16, 16, 3), 255, np.uint8),
    )
    return AlertMessage(12, alert, NOW + 0.5, evidence_path=evidence_path)


def event_message(values: dict, **fields) -> EventMessage:
    event = Event(
        camera_id="junction",
        time=NOW,
        type=fields.pop("type", "red_light"),
        rule="junction-red",
        values=values,
        run_id="run1",
        track_local_id=5,
        thumbnail=np.zeros((4, 4, 3), np.uint8),
        **fields,
    )
    return EventMessage(event, NOW + 0.1)


SENSITIVE = {
    "offence": True,
    "light": "red",
    "plate": "AB12CDE",
    "plate_text": "AB12CDE",
    "plate_confidence": 0.9,
    "face": [1, 2, 3, 4],
    "face_crop": b"\xff\xd8",
    "thumbnail": np.zeros((4, 4, 3), np.uint8),
    "thumbnail_path": "events/junction/t.jpg",
    "clip": "clips/junction/c.mp4",
    "vehicle": {"class": "car", "plate": "AB12CDE", "speed_kmh": np.float64(31.5)},
    "others": [{"plate_text": "XY99ZZZ", "lane": 2}],
}


def test_an_offence_is_published_without_plate_face_or_media():
    payload = to_payload(event_message(dict(SENSITIVE)), include_media_paths=True)
    body = encode(payload)
    assert b"AB12CDE" not in body and b"XY99ZZZ" not in body
    assert b"clips/" not in body and b"events/" not in body
    assert payload["offence"] is True
    assert payload["values"] == {
        "offence": True,
        "light": "red",
        "vehicle": {"class": "car", "speed_kmh": 31.5},
        "others": [{"lane": 2}],
    }
    assert payload["redacted"] == [
        "clip",
        "face",
        "face_crop",
        "others[0].plate_text",
        "plate",
        "plate_confidence",
        "plate_text",
        "thumbnail",
        "thumbnail_path",
        "vehicle.plate",
    ]
    assert "thumbnail" not in payload and "clip" not in payload


@pytest.mark.parametrize("truthy", [True, 1, np.bool_(True)])
def test_any_true_offence_value_redacts(truthy):
    payload = to_payload(event_message({"offence": truthy, "plate_text": "AB12CDE"}))
    assert "plate_text" not in payload["values"] and payload["offence"] is True


def test_the_id_of_an_offence_does_not_depend_on_the_plate():
    # Hashing the plate in would let anyone try plates until the id matches.
    first = to_payload(event_message({"offence": True, "plate_text": "AB12CDE"}))
    second = to_payload(event_message({"offence": True, "plate_text": "XY99ZZZ"}))
    assert first["id"] == second["id"]


def test_other_events_keep_their_values_but_never_images():
    values = {
        "plate_text": "AB12CDE",
        "count": np.int64(3),
        "ratio": float("nan"),
        "snapshot": np.zeros((2, 2), np.uint8),
        "clip_path": "clips/c.mp4",
    }
    payload = to_payload(event_message(values, type="line_cross"))
    assert payload["offence"] is False and "redacted" not in payload
    assert payload["values"] == {"plate_text": "AB12CDE", "count": 3, "ratio": None}
    with_paths = to_payload(event_message(values, type="line_cross"), include_media_paths=True)
    assert with_paths["values"]["clip_path"] == "clips/c.mp4"  # paths only, and only if asked
    assert "snapshot" not in with_paths["values"]


def test_event_payload_shape():
    payload = to_payload(event_message({"offence": False}, type="line_cross"))
    assert payload == {
        "type": "event",
        "id": payload["id"],
        "event_type": "line_cross",
        "rule": "junction-red",
        "camera": "junction",
        "time": NOW,
        "time_iso": "2023-11-14T22:13:20.250Z",
        "run_id": "run1",
        "track_local_id": 5,
        "offence": False,
        "values": {"offence": False},
        "published_at": NOW + 0.1,
        "published_at_iso": "2023-11-14T22:13:20.350Z",
    }
    assert payload["id"].startswith("event-")
    # Stable: the same event is the same id (and bytes), whenever and however often it is sent.
    assert to_payload(event_message({"offence": False}, type="line_cross")) == payload


def test_alert_has_ids_camera_time_entry_and_distance_but_no_face():
    payload = to_payload(alert_message())
    assert payload == {
        "type": "alert",
        "id": "alert-12",
        "alert_id": 12,
        "camera": "gate",
        "time": NOW,
        "time_iso": "2023-11-14T22:13:20.250Z",
        "run_id": "run1",
        "track_local_id": 3,
        "entry_id": 2,
        "entry_name": "Person of interest",
        "distance": 0.25,
        "threshold": 0.4,
        "embedder": "face-reidentification-retail-0095",
        "box": [10.0, 20.0, 30.0, 40.0],
        "frame_index": 17,
        "published_at": NOW + 0.5,
        "published_at_iso": "2023-11-14T22:13:20.750Z",
    }
    json.loads(encode(payload))  # plain JSON, no image bytes anywhere


def test_alert_evidence_path_only_when_allowed():
    assert "evidence_path" not in to_payload(alert_message())
    allowed = to_payload(alert_message(), include_media_paths=True)
    assert allowed["evidence_path"] == "alerts/gate/2023-11-14/a.jpg"
    none = to_payload(alert_message(evidence_path=None), include_media_paths=True)
    assert "evidence_path" not in none


def test_plate_alert_and_counts():
    plate = PlateAlertMessage("gate", NOW, "XY99ZZZ", "stolen-1", "stolen", 0.93, 4, NOW + 1)
    payload = to_payload(plate)
    assert payload["type"] == "plate_alert" and payload["plate"] == "XY99ZZZ"
    assert payload["id"].startswith("plate_alert-") and payload["confidence"] == 0.93
    counts = to_payload(CountsMessage("gate", NOW, {"person": 2}, {"door": {"person": 1}}))
    assert counts["type"] == "counts"
    assert counts["objects"] == {"person": 2} and counts["zones"] == {"door": {"person": 1}}


def test_unknown_messages_are_a_type_error():
    with pytest.raises(TypeError, match="no payload for dict messages"):
        to_payload({"anything": 1})


def test_encoding_is_compact_sorted_and_refuses_nan():
    assert encode({"b": 1, "a": [1.5, None]}) == b'{"a":[1.5,null],"b":1}'
    assert iso_time(0) == "1970-01-01T00:00:00.000Z"
    with pytest.raises(ValueError):
        encode({"distance": math.nan})
    message = alert_message()
    nan_alert = AlertMessage(1, replace(message.alert, distance=math.nan), NOW)
    assert to_payload(nan_alert)["distance"] is None

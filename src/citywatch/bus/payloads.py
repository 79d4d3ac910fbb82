"""Bus messages as JSON-ready dicts: the one wire format of webhooks, MQTT and the live feed.

Every payload has `type`, a stable `id` (receivers dedupe retries with it), Unix times and
their ISO 8601 (UTC) strings. Images never leave: thumbnails and face crops are arrays on the
records and are not copied; a relative evidence path is added only where the configuration
allows it.

Offences (`event.values["offence"]` true, e.g. a red-light crossing) are evidence for an
operator, never published with a face or a plate: their values lose every key that names a
plate, a face or media (thumbnail, clip, ...), at any depth, and the payload says which
were removed. The `id` is hashed from the redacted payload, so it cannot be used to guess a
plate either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from citywatch.bus.messages import (
    AlertMessage,
    CountsMessage,
    EventMessage,
    PlateAlertMessage,
    RemotePayload,
)

Payload = dict[str, Any]

# A key is personal (a plate or a face) or media when its lower-case name contains one of these.
PERSONAL_KEY_PARTS = ("plate", "face")
MEDIA_KEY_PARTS = ("thumb", "clip", "snapshot", "image", "crop", "evidence", "photo", "video")

_SKIP = object()  # a value JSON should not carry (an image, bytes, an object)


def iso_time(unix: float) -> str:
    """1700000000.25 -> '2023-11-14T22:13:20.250Z'."""
    moment = dt.datetime.fromtimestamp(unix, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_offence(message: EventMessage) -> bool:
    return bool(message.event.values.get("offence"))


def to_payload(message: object, *, include_media_paths: bool = False) -> Payload:
    """The payload for a message of citywatch.bus.messages; TypeError for anything else."""
    if isinstance(message, AlertMessage):
        return alert_payload(message, include_media_paths=include_media_paths)
    if isinstance(message, EventMessage):
        return event_payload(message, include_media_paths=include_media_paths)
    if isinstance(message, PlateAlertMessage):
        return plate_alert_payload(message)
    if isinstance(message, CountsMessage):
        return counts_payload(message)
    if isinstance(message, RemotePayload):
        return remote_payload(message, include_media_paths=include_media_paths)
    raise TypeError(f"no payload for {type(message).__name__} messages")


def encode(payload: Payload) -> bytes:
    """Compact JSON with sorted keys: the same payload is always the same bytes (signatures).
    ValueError for NaN or infinity, which JSON cannot spell (payloads turn them into null)."""
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def alert_payload(message: AlertMessage, *, include_media_paths: bool = False) -> Payload:
    alert = message.alert
    payload: Payload = {
        "type": "alert",
        "id": f"alert-{message.alert_id}",
        "alert_id": int(message.alert_id),
        "camera": alert.camera_id,
        **_times("time", alert.time),
        "run_id": alert.run_id,
        "track_local_id": int(alert.track_local_id),
        "entry_id": int(alert.entry_id),
        "entry_name": alert.entry_name,
        "distance": _number(alert.distance),
        "threshold": _number(alert.threshold),
        "embedder": alert.embedder,
        "box": [_number(v) for v in alert.face_box],
        "frame_index": int(alert.frame_index),
        **_times("published_at", message.published_at),
    }
    if include_media_paths and message.evidence_path:
        payload["evidence_path"] = message.evidence_path
    return payload


def event_payload(message: EventMessage, *, include_media_paths: bool = False) -> Payload:
    event = message.event
    offence = is_offence(message)
    removed: list[str] = []
    values = _clean_values(
        event.values,
        drop_personal=offence,
        keep_media_paths=include_media_paths and not offence,
        removed=removed,
        where="",
    )
    payload: Payload = {
        "type": "event",
        "event_type": event.type,
        "rule": event.rule,
        "camera": event.camera_id,
        **_times("time", event.time),
        "run_id": event.run_id,
        "track_local_id": None if event.track_local_id is None else int(event.track_local_id),
        "offence": offence,
        "values": values,
    }
    if offence:
        payload["redacted"] = sorted(removed)
    payload["id"] = _content_id("event", payload)
    payload.update(_times("published_at", message.published_at))
    return payload


def plate_alert_payload(message: PlateAlertMessage) -> Payload:
    """A hotlisted plate was read: the plate text is the point of this message, so it stays."""
    payload: Payload = {
        "type": "plate_alert",
        "camera": message.camera_id,
        **_times("time", message.time),
        "plate": message.plate,
        "hotlist_entry": message.hotlist_entry,
        "reason": message.reason,
        "confidence": _number(message.confidence),
        "track_local_id": int(message.track_local_id),
    }
    payload["id"] = _content_id("plate_alert", payload)
    payload.update(_times("published_at", message.published_at))
    return payload


def counts_payload(message: CountsMessage) -> Payload:
    payload: Payload = {
        "type": "counts",
        "camera": message.camera_id,
        **_times("time", message.time),
        "objects": {str(k): int(v) for k, v in message.objects.items()},
        "zones": {
            str(zone): {str(k): int(v) for k, v in counts.items()}
            for zone, counts in message.zones.items()
        },
    }
    payload["id"] = _content_id("counts", payload)
    return payload


def remote_payload(message: RemotePayload, *, include_media_paths: bool = False) -> Payload:
    """Another node's payload as it came, less its media paths unless they are allowed here
    (the sending node includes them, so each node's own `include_media_paths` decides)."""
    if include_media_paths:
        return message.payload
    payload = {k: v for k, v in message.payload.items() if k != "evidence_path"}
    values = payload.get("values")
    if isinstance(values, Mapping):
        payload["values"] = _clean_values(
            values, drop_personal=False, keep_media_paths=False, removed=[], where=""
        )
    return payload


def _times(key: str, unix: float) -> Payload:
    return {key: float(unix), f"{key}_iso": iso_time(float(unix))}


def _content_id(kind: str, payload: Payload) -> str:
    """`kind-<hash>` of what was published, so a retry or a second output sends the same id."""
    digest = hashlib.sha256(encode(payload)).hexdigest()[:24]
    return f"{kind}-{digest}"


def _number(value: Any) -> float | None:
    """A float JSON can carry: NaN and infinities become null (JSON has no spelling for them)."""
    number = float(value)
    return number if math.isfinite(number) else None


def _is_personal(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in PERSONAL_KEY_PARTS)


def _is_media(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in MEDIA_KEY_PARTS) or lowered.endswith("path")


def _clean_values(
    values: Mapping[Any, Any],
    *,
    drop_personal: bool,
    keep_media_paths: bool,
    removed: list[str],
    where: str,
) -> Payload:
    """JSON-safe copy of `values`: no arrays or bytes; personal keys dropped for offences;
    media keys kept only as relative path strings, and only when allowed."""
    clean: Payload = {}
    for raw_key, value in values.items():
        key = str(raw_key)
        path = f"{where}.{key}" if where else key
        if drop_personal and (_is_personal(key) or _is_media(key)):
            removed.append(path)
            continue
        if _is_media(key) and not (keep_media_paths and isinstance(value, str)):
            continue
        item = _clean_value(value, drop_personal, keep_media_paths, removed, path)
        if item is not _SKIP:
            clean[key] = item
    return clean


def _clean_value(
    value: Any, drop_personal: bool, keep_media_paths: bool, removed: list[str], where: str
) -> Any:
    if isinstance(value, Mapping):
        return _clean_values(
            value,
            drop_personal=drop_personal,
            keep_media_paths=keep_media_paths,
            removed=removed,
            where=where,
        )
    if isinstance(value, list | tuple):
        items = [
            _clean_value(v, drop_personal, keep_media_paths, removed, f"{where}[{i}]")
            for i, v in enumerate(value)
        ]
        return [v for v in items if v is not _SKIP]
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    """Plain JSON values (numpy scalars unwrapped); _SKIP for images, bytes and other objects."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _number(value)
    item = getattr(value, "item", None)  # numpy scalars; arrays have .item too but a shape
    if callable(item) and getattr(value, "shape", None) == ():
        return _jsonable(item())
    return _SKIP

"""The live wall in cluster mode: each camera's latest picture, from its host to the head.

A host's cameras put their latest frame (JPEG, boxes, tracks; a few a second, as in one
process) into a `RedisFrameSink`: one Redis key a camera, `<stream_prefix>:frame:<camera>`,
overwritten each time and expiring after `TTL_S`, so a camera whose host is lost goes dark
instead of showing a stale picture forever. On the head a `RedisFrameRelay` thread reads the
keys of every camera (one MGET) a few times a second and puts what is new into the API's own
latest-frame store, so the API's snapshot, MJPEG and tracks routes work unchanged.

Pictures are best-effort: a Redis that is away costs frames (a warning, then quiet), never a
camera. Value: 4-byte header length, the JSON header (time, boxes, tracks, size), the JPEG.
"""

from __future__ import annotations

import json
import logging
import struct
import threading
from collections.abc import Sequence
from typing import Any

import redis

from citywatch.core.records import Box, LiveTrack
from citywatch.pipeline.live_frames import FrameSink

log = logging.getLogger("citywatch.cluster")

TTL_S = 10.0
POLL_S = 0.25
_HEADER = struct.Struct(">I")


def frame_key(prefix: str, camera_id: str) -> str:
    return f"{prefix}:frame:{camera_id}"


def encode_frame(
    jpeg: bytes,
    time_s: float | None,
    faces: Sequence[Box] | None,
    persons: Sequence[Box] | None,
    tracks: Sequence[LiveTrack],
    size: tuple[int, int] | None,
) -> bytes:
    header = {
        "time": time_s,
        "faces": None if faces is None else [list(b) for b in faces],
        "persons": None if persons is None else [list(b) for b in persons],
        "tracks": [[t.track_id, t.label, list(t.box)] for t in tracks],
        "size": None if size is None else list(size),
    }
    text = json.dumps(header, separators=(",", ":")).encode()
    return _HEADER.pack(len(text)) + text + jpeg


def decode_frame(value: bytes) -> tuple[bytes, dict[str, Any]]:
    """(jpeg, header); ValueError for anything that is not an encoded frame."""
    if len(value) < _HEADER.size:
        raise ValueError("too short")
    (length,) = _HEADER.unpack_from(value)
    end = _HEADER.size + length
    header = json.loads(value[_HEADER.size : end])
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    return value[end:], header


class RedisFrameSink:
    """A host's `FrameSink`: the latest frame of each camera into Redis."""

    def __init__(self, url: str, prefix: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix
        self._failing = False

    def put(
        self,
        camera_id: str,
        jpeg: bytes,
        time_s: float | None = None,
        faces: Sequence[Box] | None = None,
        persons: Sequence[Box] | None = None,
        tracks: Sequence[LiveTrack] = (),
        size: tuple[int, int] | None = None,
    ) -> None:
        value = encode_frame(jpeg, time_s, faces, persons, tracks, size)
        try:
            self._client.set(frame_key(self._prefix, camera_id), value, px=int(TTL_S * 1000))
        except (redis.exceptions.RedisError, OSError) as error:
            if not self._failing:
                log.warning("live pictures not sent to Redis (%s); retrying quietly", error)
            self._failing = True
            return
        self._failing = False


class RedisFrameRelay:
    """On the head: copies new pictures of `cameras` from Redis into `sink`, on its thread."""

    def __init__(self, url: str, prefix: str, cameras: list[str], sink: FrameSink) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._keys = [frame_key(prefix, camera_id) for camera_id in cameras]
        self._cameras = cameras
        self._sink = sink
        self._seen: dict[str, bytes] = {}
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, name="frame-relay", daemon=True)
        self.relayed = 0

    def start(self) -> RedisFrameRelay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._halt.set()
        self._thread.join(timeout=5)

    def poll(self) -> None:
        values = self._client.mget(self._keys)
        for camera_id, value in zip(self._cameras, values, strict=True):
            if not isinstance(value, bytes) or self._seen.get(camera_id) == value[:64]:
                continue  # none yet (or expired), or the same frame as last time
            try:
                jpeg, header = decode_frame(value)
            except (ValueError, json.JSONDecodeError):
                continue
            self._seen[camera_id] = value[:64]  # the header's start: time and boxes change
            self._sink.put(
                camera_id,
                jpeg,
                header.get("time"),
                faces=header.get("faces"),
                persons=header.get("persons"),
                tracks=[
                    LiveTrack(int(i), str(label), tuple(box)) for i, label, box in header["tracks"]
                ],
                size=None if header.get("size") is None else tuple(header["size"]),
            )
            self.relayed += 1

    def _run(self) -> None:
        failing = False
        while not self._halt.wait(POLL_S):
            try:
                self.poll()
                failing = False
            except (redis.exceptions.RedisError, OSError) as error:
                if not failing:
                    log.warning("live pictures not read from Redis (%s); retrying quietly", error)
                failing = True

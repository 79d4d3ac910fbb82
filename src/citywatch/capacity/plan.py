"""What a camera network needs: cores and nodes, storage a day, bandwidth; the dominant stage.

The model is deliberately plain arithmetic over measured per-unit costs (costs.py), so every
figure can be checked by hand:

- decode: every source frame is decoded (H.264 cannot skip frames between key frames), so
  cameras x source fps x megapixels x decode cost;
- analysis: cameras x analysed fps x (detector + tracker + rules + the live picture);
- faces: people in view x face checks a person a second (the face stage stops checking a
  track once it has good shots, so this is well under the analysed rate);
- re-ID: person tracks started a minute x the per-track cost;
- plates: vehicle tracks a minute x reads a vehicle x the per-read cost.

Cores are CPU-seconds a second, divided by a utilisation target (headroom for bursts and the
API); nodes are cores over the cores a node has. Storage counts database rows, thumbnails and
evidence clips for the retention period; bandwidth is the cameras' streams at a typical H.264
bitrate for the resolution (or the one given).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from citywatch.capacity.costs import StageCosts
from citywatch.core.errors import UsageError

RESOLUTIONS = {
    "480p": (854, 480),
    "720p": (1280, 720),
    "1080p": (1920, 1080),
    "1440p": (2560, 1440),
    "4k": (3840, 2160),
}
# Typical H.264 bitrates of IP cameras (Mbit/s) by pixel count; a camera's own setting wins.
BITRATE_MBPS = ((0.5e6, 1.0), (1.0e6, 2.0), (2.1e6, 4.0), (3.7e6, 6.0), (8.3e6, 12.0))


def parse_resolution(text: str) -> tuple[int, int]:
    """'1080p', '4k' or 'WIDTHxHEIGHT'."""
    named = RESOLUTIONS.get(text.strip().lower())
    if named is not None:
        return named
    found = re.fullmatch(r"\s*(\d{2,5})\s*[x×]\s*(\d{2,5})\s*", text)
    if found is None:
        known = ", ".join(RESOLUTIONS)
        raise UsageError(f"--resolution: {text!r} is not WIDTHxHEIGHT or one of {known}")
    return int(found.group(1)), int(found.group(2))


@dataclass(frozen=True)
class Workload:
    cameras: int
    analysed_fps: float
    resolution: tuple[int, int]
    source_fps: float = 25.0
    people_in_view: float = 2.0  # per camera, on average
    face_checks_per_person_s: float = 2.0
    person_tracks_per_min: float = 4.0  # per camera
    vehicle_tracks_per_min: float = 0.0  # per camera
    plate_reads_per_vehicle: float = 4.0
    events_per_hour: float = 2.0  # per camera, each with an evidence clip
    retention_days: float = 30.0
    bitrate_mbps: float | None = None  # per camera; None: typical for the resolution
    cores_per_node: int = 16
    utilisation: float = 0.7

    def __post_init__(self) -> None:
        if self.cameras < 1:
            raise UsageError("--cameras: must be at least 1")
        if not 0 < self.analysed_fps <= self.source_fps:
            raise UsageError("--fps: must be above 0 and at most the source fps")
        if not 0 < self.utilisation <= 1:
            raise UsageError("--utilisation: must be in (0, 1]")
        if self.cores_per_node < 1:
            raise UsageError("--cores-per-node: must be at least 1")


@dataclass(frozen=True)
class StageLoad:
    stage: str
    cores: float  # CPU-seconds a second, before headroom
    share: float


@dataclass(frozen=True)
class Plan:
    workload: Workload
    machine: str
    stages: tuple[StageLoad, ...]
    busy_cores: float
    cores: int  # with headroom
    nodes: int
    dominant: str
    storage_gb_per_day: float
    storage_tb_retained: float
    bandwidth_mbps: float
    per_camera_cores: float


def plan(workload: Workload, costs: StageCosts) -> Plan:
    w = workload
    megapixels = w.resolution[0] * w.resolution[1] / 1e6
    per_camera_ms = {
        "decode": w.source_fps * megapixels * costs.decode_ms_per_megapixel,
        "detect+track": w.analysed_fps
        * (costs.detect_track_ms_per_frame + costs.rules_ms_per_frame),
        "live view": min(w.analysed_fps, 4.0) * costs.live_jpeg_ms_per_frame,
        "faces": w.people_in_view * w.face_checks_per_person_s * costs.face_ms_per_check,
        "re-id": w.person_tracks_per_min / 60.0 * costs.reid_ms_per_track,
        "plates": w.vehicle_tracks_per_min
        / 60.0
        * w.plate_reads_per_vehicle
        * costs.plate_ms_per_read,
    }
    busy = {stage: w.cameras * ms / 1000.0 for stage, ms in per_camera_ms.items()}
    total = sum(busy.values())
    stages = tuple(
        StageLoad(stage, round(cores, 3), round(cores / total, 3) if total else 0.0)
        for stage, cores in sorted(busy.items(), key=lambda item: -item[1])
    )
    cores = max(1, math.ceil(total / w.utilisation))
    tracks_per_day = w.cameras * (w.person_tracks_per_min + w.vehicle_tracks_per_min) * 1440
    bitrate = w.bitrate_mbps if w.bitrate_mbps is not None else typical_bitrate(w.resolution)
    clip_bytes = costs.clip_seconds * bitrate * 1e6 / 8
    per_day = tracks_per_day * (
        costs.db_bytes_per_track + costs.thumbnails_per_track * costs.thumbnail_bytes
    ) + w.cameras * w.events_per_hour * 24 * (clip_bytes + costs.thumbnail_bytes)
    return Plan(
        workload=w,
        machine=costs.machine,
        stages=stages,
        busy_cores=round(total, 3),
        cores=cores,
        nodes=math.ceil(cores / w.cores_per_node),
        dominant=stages[0].stage,
        storage_gb_per_day=round(per_day / 1e9, 3),
        storage_tb_retained=round(per_day * w.retention_days / 1e12, 4),
        bandwidth_mbps=round(w.cameras * bitrate, 1),
        per_camera_cores=round(total / w.cameras, 4),
    )


def typical_bitrate(resolution: tuple[int, int]) -> float:
    pixels = resolution[0] * resolution[1]
    for limit, mbps in BITRATE_MBPS:
        if pixels <= limit:
            return mbps
    return BITRATE_MBPS[-1][1] * pixels / BITRATE_MBPS[-1][0]

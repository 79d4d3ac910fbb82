"""What each stage costs, per unit of work, on the machine the figures were measured on.

The shipped figures (`stage_costs.json`) come from this repository's benchmarks on a 2-vCPU
x86-64 VM without a GPU (see `source` in the file for which benchmark gave which figure). A
deployment should measure its own hardware with the same benchmarks and pass the resulting
file to `citywatch plan --costs FILE`; the shape is this dataclass's fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from citywatch.core.errors import ConfigError


@dataclass(frozen=True)
class StageCosts:
    machine: str
    decode_ms_per_megapixel: float  # H.264 decode of one frame, per million pixels
    detect_track_ms_per_frame: float  # person/vehicle detector + tracker, one analysed frame
    face_ms_per_check: float  # head region detect, landmarks, quality, align, embed, match
    reid_ms_per_track: float  # body crops embedded, attributes read, association
    plate_ms_per_read: float  # plate localise + OCR on one vehicle crop
    rules_ms_per_frame: float  # zones, lines, counts
    live_jpeg_ms_per_frame: float  # the live wall's JPEG, a few a second
    db_bytes_per_track: int  # track, its sightings (with a face embedding), its appearance
    thumbnail_bytes: int  # one stored thumbnail (JPEG)
    thumbnails_per_track: float
    clip_seconds: float  # evidence clip per event (pre + post roll)
    source: dict[str, str]  # figure -> the benchmark it came from


def measured_costs() -> StageCosts:
    """The figures measured for this repository (bench/results/, 2-vCPU VM, no GPU)."""
    text = resources.files("citywatch.capacity").joinpath("stage_costs.json").read_text()
    return _parse(json.loads(text), "citywatch/capacity/stage_costs.json")


def load_costs(path: Path) -> StageCosts:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path}: cannot read stage costs ({error})") from None
    return _parse(data, str(path))


def _parse(data: Any, origin: str) -> StageCosts:
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: stage costs must be a JSON object")
    names = {f.name: f.type for f in fields(StageCosts)}
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ConfigError(f"{origin}: unknown stage cost {unknown[0]!r}")
    missing = sorted(set(names) - set(data))
    if missing:
        raise ConfigError(f"{origin}: stage cost {missing[0]!r} is missing")
    for name, value in data.items():
        if name in ("machine", "source"):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{origin}: {name}: must be a number >= 0 (got {value!r})")
    return StageCosts(**data)

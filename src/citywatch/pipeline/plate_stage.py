"""Licence plates of tracked vehicles: read a few times per track, voted, checked against
the hotlist when the track ends.

A vehicle is read when its box is large enough and not more often than `interval_s` per
track, up to `max_reads` reads, because a plate read costs tens of milliseconds and a car in
view for ten seconds needs a handful of good reads, not fifty. Reads vote character by
character (`PlateVoter`); the voted plate goes into the store with the track, with the
vehicle's type and colour, and a hotlisted plate raises a plate alert (stored with its
evidence, then published). `current(track_id)` gives the plate voted so far, for the
red-light rule, which holds its event until the vehicle's track ends.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from citywatch.bus.local import LocalBus
from citywatch.bus.messages import PLATE_ALERTS_TOPIC, PlateAlertMessage
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.core.records import PlateRecord
from citywatch.pipeline.trackbook import crop
from citywatch.plates.reader import PlateReader
from citywatch.plates.voting import PlateVoter
from citywatch.store.plates import HotlistEntry, PlateRecords

log = logging.getLogger("citywatch.plates")


class HotlistWatcher:
    """The active plate hotlist, reloaded from the store every `reload_s` (thread-safe), so
    entries added, removed or expired apply while cameras run."""

    def __init__(self, records: PlateRecords, reload_s: float = 5.0) -> None:
        self.records = records
        self.reload_s = reload_s
        self._entries: list[HotlistEntry] = []
        self._loaded = float("-inf")
        self._lock = threading.Lock()

    def match(self, text: str) -> HotlistEntry | None:
        with self._lock:
            if time.monotonic() - self._loaded >= self.reload_s:
                self._entries = self.records.hotlist()
                self._loaded = time.monotonic()
            entries = list(self._entries)
        now = time.time()
        return next((e for e in entries if e.active(now) and e.matches(text)), None)


@dataclass
class _Vehicle:
    last_read: float = float("-inf")
    reads: int = 0
    best_width: float = 0.0
    best_time: float = 0.0
    crop: np.ndarray | None = None
    vehicle_type: str | None = None
    vehicle_colour: str | None = None


class PlateStage:
    def __init__(
        self,
        reader: PlateReader,
        camera_id: str,
        run_id: str,
        hotlist: HotlistWatcher | None = None,
        bus: LocalBus | None = None,
        min_width_px: float = 80.0,
        interval_s: float = 0.4,
        max_reads: int = 8,
        min_confidence: float = 0.5,
    ) -> None:
        self.reader = reader
        self.camera_id = camera_id
        self.run_id = run_id
        self.hotlist = hotlist
        self.bus = bus
        self.min_width_px = min_width_px
        self.interval_s = interval_s
        self.max_reads = max_reads
        self.min_confidence = min_confidence
        self.voter = PlateVoter()
        self._vehicles: dict[int, _Vehicle] = {}
        self.busy_s = 0.0
        self.reads = 0

    def process(self, frame: Frame, tracks: Detections) -> None:
        now = frame.wall_time
        wanted: list[tuple[int, tuple[float, float, float, float], _Vehicle]] = []
        for row in np.flatnonzero(tracks.class_id == int(ObjectClass.VEHICLE)):
            track_id = int(tracks.tracker_id[row])
            x1, y1, x2, y2 = (float(v) for v in tracks.xyxy[row])
            vehicle = self._vehicles.setdefault(track_id, _Vehicle())
            width = x2 - x1
            if width < self.min_width_px or vehicle.reads >= self.max_reads:
                continue
            if now - vehicle.last_read < self.interval_s:
                continue
            wanted.append((track_id, (x1, y1, width, y2 - y1), vehicle))
        if not wanted:
            return
        started = time.perf_counter()
        reads = self.reader.read(frame.image, vehicles=[box for _, box, _ in wanted])
        for index, (track_id, box, vehicle) in enumerate(wanted):
            vehicle.last_read, vehicle.reads = now, vehicle.reads + 1
            mine = [r for r in reads if r.vehicle == index]
            if mine:
                self.voter.observe(track_id, mine)
            if box[2] > vehicle.best_width:  # the largest view is the evidence
                x, y, w, h = box
                vehicle.best_width, vehicle.best_time = w, now
                vehicle.crop = crop(frame.image, np.asarray([x, y, x + w, y + h]), margin=0.05)
                attributes = self.reader.vehicle_attributes(frame.image, _int_box(box))
                if attributes is not None:
                    vehicle.vehicle_type = attributes.vehicle_type
                    vehicle.vehicle_colour = attributes.colour
        self.reads += len(wanted)
        self.busy_s += time.perf_counter() - started

    def current(self, track_id: int) -> str | None:
        voted = self.voter.current(track_id)
        return voted.text if voted is not None and voted.confidence >= self.min_confidence else None

    def finish(self, ended: list[int]) -> dict[int, PlateRecord]:
        """Plates of the ended vehicle tracks that have one; raises hotlist alerts."""
        plates: dict[int, PlateRecord] = {}
        for track_id in ended:
            vehicle = self._vehicles.pop(track_id, None)
            voted = self.voter.finish(track_id)
            if vehicle is None or voted is None or voted.confidence < self.min_confidence:
                continue
            plate = PlateRecord(
                camera_id=self.camera_id,
                time=vehicle.best_time,
                text=voted.text,
                confidence=voted.confidence,
                votes=voted.votes,
                box=tuple(float(v) for v in voted.box),  # type: ignore[arg-type]
                vehicle_type=vehicle.vehicle_type,
                vehicle_colour=vehicle.vehicle_colour,
                thumbnail=vehicle.crop,
            )
            plates[track_id] = plate
            self._check_hotlist(plate, track_id)
        return plates

    def _check_hotlist(self, plate: PlateRecord, track_id: int) -> None:
        if self.hotlist is None:
            return
        entry = self.hotlist.match(plate.text)
        if entry is None:
            return
        alert_id = self.hotlist.records.save_alert(plate, entry, self.run_id, track_id)
        log.warning(
            "PLATE ALERT %s: %s on camera %s (hotlist %d: %s); for review",
            alert_id,
            plate.text,
            self.camera_id,
            entry.id,
            entry.reason,
        )
        if self.bus is not None:
            message = PlateAlertMessage(
                camera_id=self.camera_id,
                time=plate.time,
                plate=plate.text,
                hotlist_entry=entry.pattern,
                reason=entry.reason,
                confidence=plate.confidence,
                track_local_id=track_id,
                published_at=time.time(),
            )
            self.bus.publish(PLATE_ALERTS_TOPIC, message)


def _int_box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return int(round(x)), int(round(y)), int(round(w)), int(round(h))

"""The plate stage: reads per vehicle track, throttled, voted; hotlist alerts when tracks end."""

from __future__ import annotations

import time

import numpy as np

from citywatch.bus.local import LocalBus
from citywatch.bus.messages import PLATE_ALERTS_TOPIC
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.pipeline.plate_stage import HotlistWatcher, PlateStage
from citywatch.plates.types import PlateRead, VehicleAttributes
from citywatch.store import open_store
from citywatch.store.plates import PlateRecords


class FakeReader:
    """Reads a fixed plate in every vehicle, one frame in three with a wrong character."""

    name = "fake"

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    def read(self, image, vehicles=None):
        self.calls += 1
        text = self.text if self.calls % 3 else self.text[:-1] + "X"
        return [
            PlateRead(text, (int(x), int(y + h * 0.7), 60, 15), 0.9, vehicle=i)
            for i, (x, y, w, h) in enumerate(vehicles or [])
        ]

    def vehicle_attributes(self, image, box):
        return VehicleAttributes("car", 0.9, "white", 0.8)


def cars(*widths: float) -> Detections:
    boxes = [[10, 10, 10 + w, 10 + w * 0.6] for w in widths]
    return Detections.create(
        np.asarray(boxes, np.float32).reshape(-1, 4),
        np.ones(len(widths), np.float32),
        np.full(len(widths), int(ObjectClass.VEHICLE)),
        tracker_id=np.arange(1, len(widths) + 1),
    )


def frame(i: int) -> Frame:
    return Frame("road", i, i / 5, 1000.0 + i / 5, np.zeros((300, 400, 3), np.uint8))


def test_reads_are_throttled_voted_stored_and_hotlisted(tmp_path) -> None:
    store = open_store(None, tmp_path)
    records = PlateRecords(store)
    records.add_hotlist("LS15*", "stolen", "police request", "op", time.time() + 60)
    bus = LocalBus()
    inbox = bus.subscribe(PLATE_ALERTS_TOPIC)
    reader = FakeReader("LS15EBC")
    stage = PlateStage(reader, "road", "run", HotlistWatcher(records), bus, interval_s=0.4)
    for i in range(20):  # 4 s at 5 fps: car 1 large enough, car 2 too small to read
        stage.process(frame(i), cars(200, 40))
    assert reader.calls == 8  # every 0.4 s, and at most max_reads = 8
    assert stage.current(1) == "LS15EBC"
    assert stage.current(2) is None
    plates = stage.finish([1, 2])
    assert set(plates) == {1}
    plate = plates[1]
    assert (plate.text, plate.vehicle_type, plate.vehicle_colour) == ("LS15EBC", "car", "white")
    assert plate.votes >= 5 and plate.thumbnail is not None
    [message] = [m.payload for m in inbox.drain()]
    assert (message.plate, message.hotlist_entry, message.track_local_id) == ("LS15EBC", "LS15*", 1)
    [alert] = records.alerts()
    assert alert.plate == "LS15EBC" and alert.review == "pending"
    store.close()

import numpy as np

from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.frame import Frame
from citywatch.pipeline.trackbook import TrackBook, crop


def frame(t: float) -> Frame:
    image = np.zeros((100, 200, 3), np.uint8)
    image[:, :100] = 255  # left half white, so crops show where they came from
    return Frame("cam", int(t * 10), t, 1000.0 + t, image)


def test_book_keeps_span_path_and_the_best_view():
    book = TrackBook("cam", "run1", path_interval_s=0.5)
    for step in range(10):
        t = step / 10
        score = 0.9 if step == 3 else 0.5
        tracks = Detections.create([[10 + step, 10, 40 + step, 80]], [score], [0], tracker_id=[7])
        book.observe(frame(t), tracks)
    assert len(book) == 1
    ((record, sightings),) = book.finish([7, 99])  # 99 was never seen: skipped
    assert (
        record.local_id == 7 and record.run_id == "run1" and record.class_id is ObjectClass.PERSON
    )
    assert record.started_at == 1000.0 and record.ended_at == 1000.9 and record.frames == 10
    assert [round(p.time - 1000, 1) for p in record.path] == [0.0, 0.5]
    assert record.path[0].y == 80 and record.path[0].x == 25  # the foot point
    (sighting,) = sightings
    assert abs(sighting.best_score - 0.9) < 1e-6 and abs(sighting.best_time - 1000.3) < 1e-9
    assert sighting.best_box == (13.0, 10.0, 30.0, 70.0)
    assert sighting.thumbnail is not None and sighting.thumbnail.mean() == 255
    assert len(book) == 0


def test_crop_stays_inside_the_image():
    image = np.arange(100 * 100 * 3, dtype=np.uint8).reshape(100, 100, 3)
    piece = crop(image, np.array([-10, 90, 20, 120]), margin=0.1)
    assert piece.shape == (13, 23, 3)

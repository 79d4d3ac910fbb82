"""Face blurring for viewers and the latest-frame registry the live view reads."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest
from images import detail

from citywatch.api import frames as frames_module
from citywatch.api.frames import LatestFrames
from citywatch.api.redaction import blur_faces, head_regions, redact, redact_jpeg


def noise(height: int = 200, width: int = 300) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_blur_covers_the_box_with_its_margin_and_nothing_else() -> None:
    image = noise()
    out = blur_faces(image, [(100, 50, 50, 50)], margin=0.2)
    assert out is not image and np.array_equal(image, noise())  # a copy; the input untouched
    assert detail(out[40:110, 90:160]) < 0.1 * detail(image[40:110, 90:160])
    assert np.array_equal(out[:35], image[:35]) and np.array_equal(out[:, 165:], image[:, 165:])


def test_boxes_partly_outside_are_clipped_and_empty_ones_skipped() -> None:
    image = noise()
    out = blur_faces(image, [(-20, -20, 60, 60), (400, 400, 10, 10), (10, 10, 0, 0)])
    assert detail(out[0:40, 0:40]) < 0.2 * detail(image[0:40, 0:40])
    assert np.array_equal(out[100:], image[100:])


def test_head_regions_are_the_top_quarter() -> None:
    assert head_regions([(10, 20, 40, 120)]) == [(10, 20, 40, 30.0)]


def test_what_a_viewer_gets() -> None:
    image = noise()
    everything = redact(image, None, None)
    assert detail(everything) < 0.1 * detail(image)  # nothing known: all of it
    assert redact(image, [], []) is image  # known to hold nobody
    heads = redact(image, None, [(100, 0, 80, 200)])
    assert detail(heads[0:45, 100:180]) < 0.1 * detail(image[0:45, 100:180])
    assert detail(heads[120:, 100:180]) > 0.9 * detail(image[120:, 100:180])  # the body stays


def test_a_frame_that_cannot_be_decoded_is_not_passed_on() -> None:
    with pytest.raises(ValueError, match="cannot decode"):
        redact_jpeg(b"not a jpeg", [], [])


def test_latest_frames_keep_one_frame_a_camera() -> None:
    frames = LatestFrames()
    ok, data = cv2.imencode(".jpg", noise())
    first = frames.put("gate", data.tobytes(), 10.0, faces=[(1, 2, 3, 4)])
    second = frames.put("gate", data.tobytes(), 11.0)
    assert (first.seq, second.seq) == (0, 1) and frames.get("gate") == second
    assert first.faces == ((1.0, 2.0, 3.0, 4.0),) and second.faces is None
    assert frames.cameras() == ["gate"] and frames.get("yard") is None
    frames.forget("gate")
    assert frames.get("gate") is None


def test_a_frame_is_blurred_once_for_all_viewers(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = frames_module.redact_jpeg

    def counting(*args: object) -> bytes:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(frames_module, "redact_jpeg", counting)
    frames = LatestFrames()
    ok, data = cv2.imencode(".jpg", noise())
    frame = frames.put("gate", data.tobytes(), faces=[(10, 10, 30, 30)], persons=[])
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(frames.blurred(frame))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and results[0] != data.tobytes()
    assert 1 <= len(calls) <= 8  # racing first requests may each blur; later ones never do
    before = len(calls)
    frames.blurred(frame)
    assert len(calls) == before
    frames.blurred(frames.put("gate", data.tobytes(), faces=[], persons=[]))
    assert len(calls) == before + 1  # a new frame is blurred anew

"""Evidence clips: seconds before and after the event, written off the analysis thread."""

from __future__ import annotations

import av
import numpy as np

from citywatch.core.frame import Frame
from citywatch.pipeline.evidence import ClipRecorder


def frame(i: int, width: int = 1280) -> Frame:
    image = np.full((720 * width // 1280, width, 3), (i * 10) % 256, np.uint8)
    return Frame("gate", i, i / 5, 1000.0 + i / 5, image)


def decoded(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def test_a_clip_holds_the_seconds_around_the_event(tmp_path) -> None:
    recorder = ClipRecorder("gate", tmp_path, pre_s=1.0, post_s=1.0, fps=5)
    for i in range(20):
        recorder.push(frame(i))
    relative = recorder.request(1000.0 + 19 / 5)  # an event on the 20th frame
    assert relative.startswith("media/clips/gate/") and relative.endswith(".mp4")
    assert not (tmp_path / relative).exists()  # waits for the second after the event
    for i in range(20, 40):
        recorder.push(frame(i))
    recorder.close()
    frames = decoded(tmp_path / relative)
    # 1 s before (frames 14..19 within 1 s of frame 19), then 1 s after (frames 20..24).
    assert 10 <= len(frames) <= 12
    assert frames[0].shape == (360, 640, 3)  # shrunk to max_width, even height
    assert abs(int(frames[0].mean()) - 140) <= 6  # frame 14's grey level, through the codec


def test_a_clip_still_open_at_close_is_written_with_what_it_has(tmp_path) -> None:
    recorder = ClipRecorder("gate", tmp_path, pre_s=1.0, post_s=5.0, fps=5)
    for i in range(10):
        recorder.push(frame(i, width=320))
    relative = recorder.request(1000.0 + 9 / 5)
    recorder.push(frame(10, width=320))
    recorder.close()
    assert len(decoded(tmp_path / relative)) == 7  # frames 4..10
    assert recorder.written == 1 and recorder.failed == 0

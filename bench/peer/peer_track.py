"""The peer pipeline from issue #3, run in bench/.venv-peer: OMZ person-detection-0201 boxes with
score >= 0.2, tracked by Roboflow `trackers` ByteTrack with its default settings, MOT out.

usage: peer_track.py VIDEO MODEL_XML OUT.txt
Deliberately plain (decode, infer, track, write): it is the yardstick, not our code.
"""

import sys

import av
import cv2
import numpy as np
import openvino as ov
import supervision as sv
from trackers import ByteTrackTracker


def main(video: str, xml: str, out: str) -> None:
    compiled = ov.Core().compile_model(xml, "CPU", {"PERFORMANCE_HINT": "LATENCY"})
    request = compiled.create_infer_request()
    _, _, height, width = compiled.inputs[0].shape
    tracker = ByteTrackTracker()
    lines = []
    with av.open(video) as container:
        for number, frame in enumerate(container.decode(video=0), start=1):
            image = frame.to_ndarray(format="bgr24")
            h, w = image.shape[:2]
            blob = cv2.resize(image, (width, height)).transpose(2, 0, 1)[None].astype(np.float32)
            rows = request.infer({0: blob})[compiled.outputs[0]].reshape(-1, 7)
            rows = rows[(rows[:, 0] >= 0) & (rows[:, 1] == 0) & (rows[:, 2] >= 0.2)]
            detections = sv.Detections(
                xyxy=rows[:, 3:7] * np.array([w, h, w, h], dtype=np.float32),
                confidence=rows[:, 2],
                class_id=np.zeros(len(rows), dtype=int),
            )
            tracked = tracker.update(detections)
            for (x1, y1, x2, y2), tid, conf in zip(
                tracked.xyxy, tracked.tracker_id, tracked.confidence, strict=True
            ):
                if tid < 0:
                    continue
                box = f"{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f}"
                lines.append(f"{number},{tid},{box},{conf:.4f},-1,-1,-1\n")
    with open(out, "w") as handle:
        handle.writelines(lines)


if __name__ == "__main__":
    main(*sys.argv[1:4])

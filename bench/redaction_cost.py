"""What redaction costs per exported frame, and what a privacy mask costs per analysed frame.

On real 1080p footage (video/faces_walking.mp4: people walking toward the camera, faces
visible; video/street/test.mp4: an elevated pedestrian street), with the real models (OMZ
face detection retail-0004 + retail-0005, landmarks, face re-identification; the configured
person detector for bodies):

- image: a stored JPEG picture exported: baseline decode + encode, against redaction (decode,
  find faces, blur, encode) with nobody under search, with a subject (every face then also
  gets landmarks and an embedding to compare), and with bodies blurred too.
- clip: an H.264 MP4 of the same frames exported: baseline decode + H.264 re-encode of every
  frame, against decode + redact + re-encode.
- mask: a camera's privacy mask (two polygons, about a fifth of the frame) blacked out in a
  1080p frame, per frame.

Every figure is milliseconds per frame, medians over `--runs` passes of `--frames` frames of
each video; ratios are against the same run's baseline.

usage: python bench/redaction_cost.py [--frames 30] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from _common import DATA, MODELS, emit, require_shared

VIDEOS = ("video/faces_walking.mp4", "video/street/test.mp4")
SUBJECT_PHOTO = "faces/face_recognition_examples/examples/obama.jpg"


def frames_of(path: Path, count: int) -> list[np.ndarray]:
    with av.open(str(path)) as reader:
        out = []
        for frame in reader.decode(video=0):
            out.append(frame.to_ndarray(format="bgr24"))
            if len(out) == count:
                break
    return out


def mp4_of(frames: list[np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as writer:
        height, width = frames[0].shape[:2]
        stream = writer.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                writer.mux(packet)
        for packet in stream.encode():
            writer.mux(packet)
    return buffer.getvalue()


def per_frame_ms(run: Callable[[], object], frames: int, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000 / frames)
    return round(statistics.median(times), 2)


def passthrough(image: np.ndarray) -> tuple[np.ndarray, Any]:
    from citywatch.privacy.redaction import Redaction

    return image, Redaction(frames=1)


def measure(video: Path, redactors: dict[str, Any], count: int, runs: int) -> dict[str, Any]:
    from citywatch.privacy.masks import PrivacyMask
    from citywatch.privacy.redaction import Redaction, redact_clip

    frames = frames_of(video, count)
    n = len(frames)
    quality = [cv2.IMWRITE_JPEG_QUALITY, 90]
    jpegs = [cv2.imencode(".jpg", f, quality)[1].tobytes() for f in frames]

    def baseline_images() -> None:
        for data in jpegs:
            cv2.imencode(".jpg", cv2.imdecode(np.frombuffer(data, np.uint8), 1), quality)

    image: dict[str, float] = {"baseline_decode_encode_ms": per_frame_ms(baseline_images, n, runs)}
    found = {}
    for name, redactor in redactors.items():

        def redact_images(r: Any = redactor) -> None:
            for data in jpegs:
                r.picture(data)

        image[f"redacted_{name}_ms"] = per_frame_ms(redact_images, n, runs)
        image[f"ratio_{name}"] = round(
            image[f"redacted_{name}_ms"] / image["baseline_decode_encode_ms"], 1
        )
        done = sum((redactor.picture(d)[1] for d in jpegs), Redaction())
        found[name] = {"faces_blurred": done.faces_blurred, "bodies_blurred": done.bodies_blurred}

    def find_faces() -> None:
        for frame in frames:
            redactors["faces"].find_faces(frame)

    clip = mp4_of(frames)
    clip_result = {
        "baseline_decode_reencode_ms": per_frame_ms(
            lambda: redact_clip(clip, passthrough), n, runs
        ),
        "redacted_faces_ms": per_frame_ms(lambda: redactors["faces"].clip(clip), n, runs),
    }
    clip_result["ratio_faces"] = round(
        clip_result["redacted_faces_ms"] / clip_result["baseline_decode_reencode_ms"], 2
    )

    height, width = frames[0].shape[:2]
    mask = PrivacyMask(
        [
            [(0, 0), (width * 0.3, 0), (width * 0.3, height * 0.45), (0, height * 0.45)],
            [
                (width * 0.6, height * 0.1),
                (width * 0.85, height * 0.05),
                (width * 0.9, height * 0.4),
                (width * 0.65, height * 0.5),
            ],
        ]
    )
    copies = [f.copy() for f in frames]

    def apply_mask() -> None:
        for copy in copies:
            mask.apply(copy)

    return {
        "frames": n,
        "size": f"{width}x{height}",
        "image": image,
        "clip": clip_result,
        "face_detection_only_ms": per_frame_ms(find_faces, n, runs),
        "found_per_pass": found,
        "mask": {
            "covered_share": round(float(mask.covered(height, width).mean()), 3),
            "per_frame_ms": per_frame_ms(apply_mask, n, max(runs, 10)),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    require_shared()
    os.environ.setdefault("CITYWATCH_MODEL_DIR", str(MODELS))

    from citywatch.config import CitywatchConfig
    from citywatch.detect import create_detector
    from citywatch.faces.factory import create_face_pipeline
    from citywatch.models import ModelRegistry
    from citywatch.privacy.redaction import Redactor, Subject

    config = CitywatchConfig()
    registry = ModelRegistry(MODELS)
    faces = create_face_pipeline(config.faces, registry)
    persons = create_detector(config.detector, registry)
    photo, _ = faces.main_face(cv2.imread(str(DATA / SUBJECT_PHOTO)))
    assert photo is not None and photo.embedding is not None
    subject = Subject(photo.embedding[None], faces.embedder.name, "a person not in the footage")
    redactors: dict[str, Redactor] = {
        "faces": Redactor(faces),
        "faces_with_subject": Redactor(faces, subject),
        "faces_and_bodies": Redactor(faces, None, persons, bodies=True),
    }

    results = {video: measure(DATA / video, redactors, args.frames, args.runs) for video in VIDEOS}

    emit(
        "redaction_cost",
        {
            "face_detectors": [d.name for d in redactors["faces"].detectors],
            "face_embedder": faces.embedder.name,
            "person_detector": getattr(persons, "name", type(persons).__name__),
            "cpu_count": os.cpu_count(),
            "frames": args.frames,
            "runs": args.runs,
            "videos": results,
        },
    )


if __name__ == "__main__":
    main()

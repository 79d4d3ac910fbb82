"""Face detectors behind `FaceDetector`: OMZ SSDs (OpenVINO), dlib HOG, mediapipe BlazeFace.

Each adapts its model's output to `Detections` of class FACE at the edge, in frame pixels.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.detect.openvino_ssd import OpenVinoSsdDetector
from citywatch.faces.base import FaceDetector


def omz_face_detector(
    xml_path: Path, score_threshold: float = 0.5, device: str = "CPU", name: str | None = None
) -> OpenVinoSsdDetector:
    """face-detection-retail-0004 / -0005 / adas-0001: the person detectors' SSD wrapper with
    label 1 mapped to FACE (it warms itself up on the creating thread)."""
    return OpenVinoSsdDetector(
        xml_path,
        {1: ObjectClass.FACE},
        score_threshold=score_threshold,
        device=device,
        name=name or f"openvino:{Path(xml_path).stem}",
    )


def _shrunk(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """The image scaled so its longer side is at most `max_side`, and the factor used."""
    longest = max(image.shape[:2])
    if max_side <= 0 or longest <= max_side:
        return image, 1.0
    factor = max_side / longest
    size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


def _faces(xyxy: list[list[float]], scores: list[float], width: int, height: int) -> Detections:
    if not xyxy:
        return Detections.empty()
    classes = np.full(len(xyxy), int(ObjectClass.FACE))
    return Detections.create(np.asarray(xyxy), np.asarray(scores), classes).clip(width, height)


class DlibHogFaceDetector:
    """dlib's frontal HOG + linear SVM detector. Finds faces from about 80 px at `upsample=0`;
    each upsampling step halves that and costs about four times the time.

    `max_side`: larger images are shrunk first (HOG on a 36-megapixel photo takes minutes);
    `score_threshold` is the SVM margin (dlib's own cut is 0).
    """

    def __init__(self, upsample: int = 1, max_side: int = 1024, score_threshold: float = 0.0):
        import dlib  # here, not at import: starting the CLI must not load dlib

        self.name = f"dlib:hog(upsample={upsample})"
        self.upsample = upsample
        self.max_side = max_side
        self.score_threshold = score_threshold
        self._dlib = dlib
        self._local = threading.local()

    def _detector(self):  # one per thread: dlib objects make no thread-safety promise
        detector = getattr(self._local, "detector", None)
        if detector is None:
            detector = self._local.detector = self._dlib.get_frontal_face_detector()
        return detector

    def detect(self, image: np.ndarray) -> Detections:
        height, width = image.shape[:2]
        small, factor = _shrunk(image, self.max_side)
        rgb = np.ascontiguousarray(small[:, :, ::-1])
        rects, scores, _ = self._detector().run(rgb, self.upsample, self.score_threshold)
        boxes = [
            [
                r.left() / factor,
                r.top() / factor,
                (r.right() + 1) / factor,
                (r.bottom() + 1) / factor,
            ]
            for r in rects
        ]
        # The SVM margin is unbounded; squash it to 0..1 so scores read like the others'.
        confidence = [float(1 / (1 + np.exp(-2 * s))) for s in scores]
        return _faces(boxes, confidence, width, height)


class MediapipeFaceDetector:
    """mediapipe BlazeFace, full range (faces up to about 5 m) or short range (about 2 m).

    It sees the image at 192x192 (full) or 128x128 (short), so faces under about 1/10 of the
    image side are lost; `detect_in_regions` crops and enlarges person regions for that.
    """

    def __init__(self, full_range: bool = True, score_threshold: float = 0.5) -> None:
        self.name = f"mediapipe:face-detection-{'full' if full_range else 'short'}-range"
        self.full_range = full_range
        self.score_threshold = score_threshold
        self._local = threading.local()
        self.detect(np.zeros((64, 64, 3), np.uint8))  # load the graph now, on this thread

    def _graph(self):  # mediapipe graphs are not thread-safe: one per thread
        graph = getattr(self._local, "graph", None)
        if graph is None:
            from mediapipe.python.solutions import face_detection

            graph = self._local.graph = face_detection.FaceDetection(
                model_selection=1 if self.full_range else 0,
                min_detection_confidence=self.score_threshold,
            )
        return graph

    def detect(self, image: np.ndarray) -> Detections:
        height, width = image.shape[:2]
        result = self._graph().process(np.ascontiguousarray(image[:, :, ::-1]))
        boxes, scores = [], []
        for found in result.detections or []:
            rel = found.location_data.relative_bounding_box
            x1, y1 = rel.xmin * width, rel.ymin * height
            boxes.append([x1, y1, x1 + rel.width * width, y1 + rel.height * height])
            scores.append(float(found.score[0]))
        return _faces(boxes, scores, width, height)


class ConfirmedFaceDetector:
    """A fast detector's faces, each kept only if a second detector also finds it there.

    face-detection-retail-0004 fires on frontal animal faces (0.90 on a dog in
    dlib_faces/dogs.jpg); dlib's HOG detector and mediapipe do not. Each candidate's box,
    grown `crop_scale` times, is resized to `crop_side` pixels and handed to the verifier,
    which must find a face overlapping it. Measured with face-detection-retail-0004: dlib HOG
    (1.6x, 160 px) keeps 43 of its 44 compreface faces and all 36 LFW faces, drops the dogs,
    and adds about 3 ms a face; mediapipe full range (3x, 256 px) keeps all 44 but adds 7 ms.
    HOG only knows faces turned less than about 40 degrees: fine for photos of a person, not
    for every face in a crowd (person head regions use the primary detector alone).
    """

    def __init__(
        self,
        primary: FaceDetector,
        verifier: FaceDetector,
        crop_scale: float = 1.6,
        min_iou: float = 0.3,
        crop_side: int = 160,
    ) -> None:
        self.primary = primary
        self.verifier = verifier
        self.crop_scale = crop_scale
        self.min_iou = min_iou
        self.crop_side = crop_side
        self.name = f"{primary.name} confirmed by {verifier.name}"

    def detect(self, image: np.ndarray) -> Detections:
        from citywatch.core.boxes import box_iou
        from citywatch.faces.geometry import crop_resized, scale_box

        faces = self.primary.detect(image)
        keep = np.zeros(len(faces), dtype=bool)
        for i, box in enumerate(faces.xyxy):
            window = scale_box(box, self.crop_scale, square=True)
            # One size for every candidate: the verifier sees the face at the size it is best
            # at, and a face in a 36-megapixel photo costs no more than one in a thumbnail.
            factor = self.crop_side / max(float(window[2] - window[0]), 1.0)
            crop, origin = crop_resized(image, window, factor)
            found = self.verifier.detect(crop)
            if len(found):
                mapped = found.xyxy / factor + np.concatenate([origin, origin])
                keep[i] = bool(box_iou(box[None], mapped).max() >= self.min_iou)
        return faces[keep]

"""`FacePipeline`: detector -> landmarks -> alignment -> quality -> embedding, composed.

Each stage is usable alone (see `citywatch.faces.base`); this wires them the way recognition
needs: the embedder decides the alignment, the alignment decides which landmark layout is
needed, and the landmark model must give that layout.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

from citywatch.core.detections import Detections
from citywatch.core.errors import CitywatchError, ConfigError
from citywatch.faces.base import Embedder, FaceDetector, Landmarker, cosine_distance
from citywatch.faces.quality import QualityGate
from citywatch.faces.regions import detect_in_regions
from citywatch.faces.types import FaceObservation

EmbedWhich = Literal["passing", "all", "none"]


class NoFaceError(CitywatchError):
    """An image in which no face was found (exit code 1: the input, not the program)."""

    def __init__(self, which: str) -> None:
        super().__init__(f"{which}: no face found")
        self.which = which


@dataclass(frozen=True)
class Comparison:
    distance: float  # cosine distance between the two images' main faces (see main_face)
    same: bool  # distance <= threshold
    threshold: float
    faces_a: int  # faces found in each image (the main one is compared)
    faces_b: int


@dataclass(frozen=True)
class RegionSearch:
    """How `analyse(image, regions=...)` looks for faces in person boxes (see regions.py)."""

    upscale_to: int = 320
    head_fraction: float = 0.4
    max_upscale: float = 8.0


class FacePipeline:
    def __init__(
        self,
        detector: FaceDetector,
        landmarker: Landmarker,
        embedder: Embedder,
        gate: QualityGate | None = None,
        threshold: float | None = None,
        regions: RegionSearch | None = None,
        region_detector: FaceDetector | None = None,
    ) -> None:
        if landmarker.key != embedder.aligner.key:
            raise ConfigError(
                f"faces: {embedder.name} aligns on {embedder.aligner.key!r} points but the "
                f"landmark model {landmarker.name} gives {landmarker.key!r}"
            )
        self.detector = detector
        # Person head regions are small crops that hold a head, not a dog: the fastest, most
        # sensitive detector fits there even when whole images need a stricter one.
        self.region_detector = region_detector or detector
        self.landmarker = landmarker
        self.embedder = embedder
        self.gate = gate or QualityGate()
        self.threshold = embedder.default_threshold if threshold is None else float(threshold)
        self.regions = regions or RegionSearch()

    @property
    def name(self) -> str:
        return f"{self.detector.name} + {self.landmarker.name} + {self.embedder.name}"

    def find(self, image: np.ndarray, regions: Detections | np.ndarray | None = None) -> Detections:
        """Face boxes only: in the whole image, or in the head regions of person boxes."""
        if regions is None:
            return self.detector.detect(image)
        return detect_in_regions(
            self.region_detector,
            image,
            regions,
            upscale_to=self.regions.upscale_to,
            head_fraction=self.regions.head_fraction,
            max_upscale=self.regions.max_upscale,
        )

    def detect(
        self, image: np.ndarray, regions: Detections | np.ndarray | None = None
    ) -> Detections:
        """Faces with the landmark column the embedder needs (a stage for the video pipeline)."""
        return self.with_landmarks(image, self.find(image, regions))

    def with_landmarks(self, image: np.ndarray, faces: Detections) -> Detections:
        if self.landmarker.key in faces.data or not len(faces):
            return faces
        return faces.with_data(**{self.landmarker.key: self.landmarker.locate(image, faces.xyxy)})

    def analyse(
        self,
        image: np.ndarray,
        regions: Detections | np.ndarray | None = None,
        embed: EmbedWhich = "passing",
    ) -> list[FaceObservation]:
        """Every face in the image (or in the head regions of `regions`, person boxes).

        `embed`: "passing" embeds only faces that pass the quality gate, "all" every face,
        "none" none (quality only: to pick best shots before paying for embeddings).
        """
        started = time.perf_counter()
        faces = self.find(image, regions)
        return self.observe(image, faces, embed=embed, detect_ms=_ms_since(started))

    def observe(
        self,
        image: np.ndarray,
        faces: Detections,
        embed: EmbedWhich = "passing",
        detect_ms: float = 0.0,
    ) -> list[FaceObservation]:
        """Landmarks, quality and embeddings for faces already found (by any detector)."""
        n = len(faces)
        if not n:
            return []
        started = time.perf_counter()
        faces = self.with_landmarks(image, faces)
        landmarks_ms = _ms_since(started) / n
        key = self.landmarker.key
        points = faces.data[key]
        started = time.perf_counter()
        qualities = [self.gate.assess(image, faces.xyxy[i], points[i], key) for i in range(n)]
        quality_ms = _ms_since(started) / n
        wanted = [
            i for i in range(n) if embed == "all" or (embed == "passing" and qualities[i].passes)
        ]
        embeddings: dict[int, np.ndarray] = {}
        align_ms = embed_ms = 0.0
        if wanted:
            started = time.perf_counter()
            aligned = self.embedder.aligner.align(image, points[wanted])
            align_ms = _ms_since(started) / len(wanted)
            started = time.perf_counter()
            vectors = self.embedder.embed(aligned)
            embed_ms = _ms_since(started) / len(wanted)
            embeddings = dict(zip(wanted, vectors, strict=True))
        observations = []
        for i in range(n):
            timings = {"detect": detect_ms, "landmarks": landmarks_ms, "quality": quality_ms}
            if i in embeddings:
                timings.update(align=align_ms, embed=embed_ms)
            observations.append(
                FaceObservation(
                    box=faces.xyxy[i].copy(),
                    score=float(faces.confidence[i]),
                    landmarks=points[i].copy(),
                    landmark_key=key,
                    quality=qualities[i],
                    embedding=embeddings.get(i),
                    track_id=int(faces.tracker_id[i]),
                    timings=timings,
                )
            )
        return observations

    def main_face(self, image: np.ndarray) -> tuple[FaceObservation | None, int]:
        """The photo's subject, embedded whatever its quality, and how many faces were found.

        For photos a person chose (enrolment, a query, `faces compare`); the quality gate is
        for picking among video frames, not for second-guessing a chosen photo. The subject is
        the face nearest the centre among those at least half the area of the largest: in
        portraits and press photos (LFW is built this way) the subject is central, and a
        bystander's face at the edge is often as large.
        """
        started = time.perf_counter()
        faces = self.detector.detect(image)
        detect_ms = _ms_since(started)
        if not len(faces):
            return None, 0
        chosen = faces[main_face_index(faces, image.shape[1], image.shape[0])]
        return self.observe(image, chosen, embed="all", detect_ms=detect_ms)[0], len(faces)

    def compare(self, image_a: np.ndarray, image_b: np.ndarray) -> Comparison:
        """Distance between the main faces of two images; NoFaceError names "first"/"second"."""
        a, count_a = self.main_face(image_a)
        if a is None or a.embedding is None:
            raise NoFaceError("first image")
        b, count_b = self.main_face(image_b)
        if b is None or b.embedding is None:
            raise NoFaceError("second image")
        distance = float(cosine_distance(a.embedding, b.embedding)[0, 0])
        return Comparison(distance, distance <= self.threshold, self.threshold, count_a, count_b)


def main_face_index(faces: Detections, width: int, height: int) -> int:
    """Index of the face nearest the image centre among those at least half the largest's area."""
    areas = faces.area
    candidates = np.flatnonzero(areas >= 0.5 * areas.max())
    centres = (faces.xyxy[candidates, :2] + faces.xyxy[candidates, 2:]) / 2
    offsets = np.hypot(centres[:, 0] - width / 2, centres[:, 1] - height / 2)
    return int(candidates[int(np.argmin(offsets))])


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0

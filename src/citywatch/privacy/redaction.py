"""Redaction of exported pictures and clips: faces of people not under search are blurred.

An export holds the stored media of one record; what leaves the system must not expose the
bystanders in it. `Redactor` takes one picture (or each frame of a clip) and

- finds faces with every face detector the pipeline has (its whole-image one without the
  confirming second detector, and its head-region one, on the whole picture), merged: for
  redaction a missed face is the failure that matters, a blurred dog costs nothing;
- keeps the faces that match the `Subject` (the person the record is about: a watchlist
  entry's photos, an identity's stored faces) within the pipeline's same-person distance, and
  blurs every other one, including faces that cannot be compared (no landmarks, another
  embedder): when in doubt, blur;
- optionally (`bodies`) blurs the whole box of every person the person detector finds except
  a person whose box holds a kept face.

Pictures are re-encoded in their own format; clips are decoded with PyAV and re-encoded with
H.264 at their own frame rate. The stored files are never written to: redaction works on
copies in memory. Each call answers what it did (`Redaction`), for the export's manifest.

The subject's embeddings are read here from the store (`entry_subject`, `tracks_subject`),
for the embedder the pipeline runs; embeddings of another model cannot be compared, and the
subject is then nobody (every face blurred).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from citywatch.api.redaction import FACE_MARGIN, blur_faces
from citywatch.core.classes import ObjectClass
from citywatch.core.detections import Detections
from citywatch.core.errors import CitywatchError
from citywatch.faces.base import cosine_distance

if TYPE_CHECKING:
    from citywatch.detect.base import Detector
    from citywatch.faces.base import FaceDetector
    from citywatch.faces.pipeline import FacePipeline
    from citywatch.store import Store

Box = tuple[float, float, float, float]  # x, y, w, h
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
CLIP_SUFFIXES = frozenset({".mp4"})
MERGE_IOU = 0.4  # two detectors' boxes overlapping this much are one face
JPEG_QUALITY = 90
CLIP_CRF = "23"


class RedactionError(CitywatchError):
    """A file that cannot be redacted (it cannot be decoded or re-encoded): withheld."""


@dataclass(frozen=True)
class Subject:
    """Whose faces stay visible: their embeddings (N x D, one model) and who they are."""

    embeddings: np.ndarray
    embedder: str
    label: str  # for the manifest: "watchlist entry 3 (Jane Doe)"

    def __post_init__(self) -> None:
        if len(self.embeddings) == 0:
            raise ValueError("a subject needs at least one embedding")


@dataclass(frozen=True)
class Redaction:
    """What redacting one file did (counts over all its frames)."""

    frames: int = 0
    faces_blurred: int = 0
    faces_kept: int = 0
    bodies_blurred: int = 0

    def __add__(self, other: Redaction) -> Redaction:
        return Redaction(
            self.frames + other.frames,
            self.faces_blurred + other.faces_blurred,
            self.faces_kept + other.faces_kept,
            self.bodies_blurred + other.bodies_blurred,
        )


class Redactor:
    """Blurs faces (and optionally bodies) not of `subject` in pictures and clips.

    `subject` None: nobody is under search, every face is blurred. `persons`: the object
    detector, needed only with `bodies`. Safe to use from one thread at a time.
    """

    def __init__(
        self,
        faces: FacePipeline,
        subject: Subject | None = None,
        persons: Detector | None = None,
        bodies: bool = False,
    ) -> None:
        if bodies and persons is None:
            raise ValueError("blurring bodies needs a person detector")
        self.faces = faces
        comparable = subject is not None and subject.embedder == faces.embedder.name
        self.subject = subject if comparable else None
        self.persons = persons
        self.bodies = bodies
        self.detectors = _face_detectors(faces)

    @property
    def method(self) -> str:
        """For the manifest: what was blurred."""
        what = "faces and bodies" if self.bodies else "faces"
        if self.subject is None:
            return f"{what} of everyone blurred"
        return f"{what} blurred except {self.subject.label}'s"

    # -- one picture ----------------------------------------------------------------------

    def image(self, image: np.ndarray) -> tuple[np.ndarray, Redaction]:
        """A redacted copy of `image` (HxWx3 uint8 BGR) and what was done."""
        boxes = self.find_faces(image)
        kept = self._kept(image, boxes)
        blurred = [_xywh(b) for b, keep in zip(boxes, kept, strict=True) if not keep]
        bodies: list[Box] = []
        if self.bodies and self.persons is not None:
            found = self.persons.detect(image)
            people = found.xyxy[found.class_id == int(ObjectClass.PERSON)]
            kept_centres = [
                ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
                for b, k in zip(boxes, kept, strict=True)
                if k
            ]
            bodies = [
                _xywh(p)
                for p in people
                if not any(p[0] <= cx <= p[2] and p[1] <= cy <= p[3] for cx, cy in kept_centres)
            ]
        out = blur_faces(image, blurred, FACE_MARGIN) if blurred else image.copy()
        if bodies:
            out = blur_faces(out, bodies, 0.05)
        return out, Redaction(1, len(blurred), int(sum(kept)), len(bodies))

    def find_faces(self, image: np.ndarray) -> np.ndarray:
        """N x 4 xyxy face boxes from every detector, overlapping ones merged (the larger kept)."""
        found = [d.detect(image).xyxy for d in self.detectors]
        boxes = np.concatenate([f.reshape(-1, 4) for f in found]).astype(np.float32)
        return _merge(boxes, MERGE_IOU)

    def _kept(self, image: np.ndarray, boxes: np.ndarray) -> list[bool]:
        if self.subject is None or not len(boxes):
            return [False] * len(boxes)
        n = len(boxes)
        faces = Detections.create(boxes, np.ones(n, np.float32), np.full(n, int(ObjectClass.FACE)))
        observed = self.faces.observe(image, faces, embed="all")
        kept = []
        for face in observed:
            if face.embedding is None:
                kept.append(False)
                continue
            distance = float(cosine_distance(face.embedding, self.subject.embeddings).min())
            kept.append(distance <= self.faces.threshold)
        return kept

    # -- files ----------------------------------------------------------------------------

    def file(self, data: bytes, suffix: str) -> tuple[bytes, Redaction]:
        """A stored file's bytes, redacted, in the same format (RedactionError: cannot)."""
        suffix = suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            return self.picture(data, suffix)
        if suffix in CLIP_SUFFIXES:
            return self.clip(data)
        raise RedactionError(f"cannot redact a {suffix or 'suffix-less'} file")

    def picture(self, data: bytes, suffix: str = ".jpg") -> tuple[bytes, Redaction]:
        import cv2

        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise RedactionError("cannot decode the picture to redact it")
        out, done = self.image(image)
        params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY] if suffix != ".png" else []
        ok, encoded = cv2.imencode(".png" if suffix == ".png" else ".jpg", out, params)
        if not ok:
            raise RedactionError("cannot encode the redacted picture")
        return bytes(encoded.tobytes()), done

    def clip(self, data: bytes) -> tuple[bytes, Redaction]:
        """Every frame redacted, re-encoded with H.264 (MP4) at the clip's frame rate."""
        return redact_clip(data, self.image)


FrameRedaction = Callable[[np.ndarray], tuple[np.ndarray, Redaction]]


def redact_clip(data: bytes, redact: FrameRedaction) -> tuple[bytes, Redaction]:
    """Decode an MP4 (any codec PyAV reads), redact each frame with `redact`, re-encode."""
    import av

    total = Redaction()
    output = io.BytesIO()
    try:
        with av.open(io.BytesIO(data), "r") as source:
            if not source.streams.video:
                raise RedactionError("the clip has no video stream")
            video = source.streams.video[0]
            rate = video.average_rate or video.guessed_rate or 25
            with av.open(output, "w", format="mp4") as target:
                stream = None
                for frame in source.decode(video):
                    image = frame.to_ndarray(format="bgr24")
                    if stream is None:
                        height, width = image.shape[:2]
                        height, width = height - height % 2, width - width % 2
                        stream = target.add_stream("libx264", rate=rate)
                        stream.width, stream.height = width, height
                        stream.pix_fmt = "yuv420p"
                        stream.options = {"crf": CLIP_CRF, "preset": "veryfast"}
                    redacted, done = redact(image)
                    total = total + done
                    picture = av.VideoFrame.from_ndarray(
                        np.ascontiguousarray(redacted[: stream.height, : stream.width]),
                        format="bgr24",
                    )
                    for packet in stream.encode(picture):
                        target.mux(packet)
                if stream is None:
                    raise RedactionError("the clip has no frames")
                for packet in stream.encode():
                    target.mux(packet)
    except (av.FFmpegError, OSError, ValueError) as error:
        raise RedactionError(f"cannot decode or re-encode the clip: {error}") from None
    return output.getvalue(), total


# -- whose faces stay: subjects from the store ---------------------------------------------


def entry_subject(store: Store, entry_id: int, embedder: str, label: str) -> Subject | None:
    """A watchlist entry's enrolment photos (removed or expired entries too: the record is
    about them), for `embedder`; None when it has none of that model."""
    from sqlalchemy import select

    from citywatch.store.schema import WatchlistPhotoRow

    query = select(WatchlistPhotoRow.embedding).where(
        WatchlistPhotoRow.entry_id == entry_id, WatchlistPhotoRow.embedder == embedder
    )
    return _subject(store, query, embedder, label)


def tracks_subject(
    store: Store, track_ids: Sequence[int], embedder: str, label: str
) -> Subject | None:
    """The stored face sightings (their embeddings) of the given tracks: an identity's faces."""
    from sqlalchemy import select

    from citywatch.store.schema import SightingRow

    if not track_ids:
        return None
    query = select(SightingRow.embedding).where(
        SightingRow.track_id.in_(list(track_ids)),
        SightingRow.embedder == embedder,
        SightingRow.embedding.is_not(None),
    )
    return _subject(store, query, embedder, label)


def _subject(store: Store, query: object, embedder: str, label: str) -> Subject | None:
    from sqlalchemy.orm import Session

    from citywatch.store.convert import vector_from

    store.flush()
    with Session(store.engine) as session:
        vectors = [vector_from(v) for v in session.scalars(query) if v]  # type: ignore[call-overload]
    if not vectors:
        return None
    return Subject(np.stack(vectors).astype(np.float32), embedder, label)


# -- helpers -------------------------------------------------------------------------------


def _face_detectors(faces: FacePipeline) -> list[FaceDetector]:
    # The confirming detector drops faces its second opinion misses (turned, small): right
    # for recognition, wrong for redaction. Its primary alone, plus the head-region model.
    whole = getattr(faces.detector, "primary", faces.detector)
    detectors = [whole]
    if faces.region_detector is not faces.detector and faces.region_detector is not whole:
        detectors.append(faces.region_detector)
    return detectors


def _merge(boxes: np.ndarray, iou: float) -> np.ndarray:
    """Boxes, largest first, dropping any that overlaps an earlier one by `iou` or more."""
    if not len(boxes):
        return boxes.reshape(0, 4)
    areas = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    order = np.argsort(-areas, kind="stable")
    kept: list[int] = []
    for i in order:
        box = boxes[i]
        overlaps = False
        for j in kept:
            other = boxes[j]
            w = min(box[2], other[2]) - max(box[0], other[0])
            h = min(box[3], other[3]) - max(box[1], other[1])
            inter = max(w, 0.0) * max(h, 0.0)
            union = areas[i] + areas[j] - inter
            if union > 0 and inter / union >= iou:
                overlaps = True
                break
        if not overlaps:
            kept.append(int(i))
    return boxes[sorted(kept)]


def _xywh(box: Sequence[float] | np.ndarray) -> Box:
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    return (x1, y1, x2 - x1, y2 - y1)

"""Enrolment: turning a person's photos into a watchlist entry, refusing what would mislead.

A photo is refused, with the reason and the file named, when it cannot be read, when it shows
no face, when it shows several faces of similar size (which one is meant?), or when the face is
too small to recognise. Nothing is stored unless every photo is accepted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citywatch.core.errors import CitywatchError
from citywatch.core.images import load_image
from citywatch.faces.pipeline import FacePipeline
from citywatch.store.watchlists import EnrolmentPhoto, FaceRecords

log = logging.getLogger("citywatch.watchlist")

MIN_FACE_PX = 40.0  # below this, the embedding says little about who it is


class EnrolmentError(CitywatchError):
    """A photo that cannot be enrolled (exit code 1: the input, not the program)."""


@dataclass(frozen=True)
class EnrolmentRequest:
    name: str
    photos: list[Path]
    reason: str
    legal_basis: str
    enrolled_by: str
    expires_at: float


def prepare_photo(faces: FacePipeline, path: Path) -> EnrolmentPhoto:
    return prepare_image(faces, load_image(path), str(path))


def prepare_image(faces: FacePipeline, image: np.ndarray, path: str) -> EnrolmentPhoto:
    """Check and embed one enrolment picture; `path` names it in errors."""
    detected = faces.detector.detect(image)
    if not len(detected):
        raise EnrolmentError(f"{path}: no face found; enrol a photo that shows the face")
    areas = detected.area
    similar = int((areas >= 0.5 * areas.max()).sum())
    if similar > 1:
        raise EnrolmentError(
            f"{path}: {similar} faces of similar size; crop the photo to the one person"
        )
    face, _ = faces.main_face(image)
    if face is None or face.embedding is None:
        raise EnrolmentError(f"{path}: the face could not be embedded")
    if face.width < MIN_FACE_PX:
        raise EnrolmentError(
            f"{path}: the face is {face.width:.0f} px wide; at least {MIN_FACE_PX:.0f} px needed"
        )
    return EnrolmentPhoto(
        image=image,
        embedding=face.embedding,
        embedder=faces.embedder.name,
        quality=face.quality.score,
    )


def enrol(faces: FacePipeline, records: FaceRecords, request: EnrolmentRequest) -> int:
    """Check every photo first, then store the entry with all of them; returns its id."""
    photos = [prepare_photo(faces, path) for path in request.photos]
    entry_id = records.add_entry(
        request.name,
        request.reason,
        request.legal_basis,
        request.enrolled_by,
        request.expires_at,
        photos,
    )
    log.info("enrolled %r as entry %d with %d photo(s)", request.name, entry_id, len(photos))
    return entry_id

"""Redaction with the real face models (../shared/models) on real pictures (../shared/data):
bystanders' faces blurred, the subject's kept, bodies on request, clips frame by frame."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest

from citywatch.config.faces import FacesConfig
from citywatch.faces.factory import create_face_pipeline
from citywatch.faces.pipeline import FacePipeline
from citywatch.models import ModelRegistry
from citywatch.privacy.redaction import Redaction, RedactionError, Redactor, Subject, _merge

EXAMPLES = "faces/face_recognition_examples/examples"
OBAMA_FACE = (233, 19, 149, 205)  # x, y, w, h in two_people.jpg
BIDEN_FACE = (790, 40, 148, 220)


@pytest.fixture(scope="module")
def faces(model_dir: Path) -> FacePipeline:
    return create_face_pipeline(FacesConfig(), ModelRegistry(model_dir))


@pytest.fixture(scope="module")
def two_people(data_dir: Path) -> np.ndarray:
    image = cv2.imread(str(data_dir / EXAMPLES / "two_people.jpg"))
    assert image is not None
    return image


def subject(faces: FacePipeline, data_dir: Path, photo: str, embedder: str | None = None):
    face, _ = faces.main_face(cv2.imread(str(data_dir / EXAMPLES / photo)))
    assert face is not None and face.embedding is not None
    return Subject(face.embedding[None], embedder or faces.embedder.name, photo)


def detail(image: np.ndarray, box: tuple[int, int, int, int]) -> float:
    x, y, w, h = box
    return float(np.abs(np.diff(image[y : y + h, x : x + w].astype(np.float32), axis=1)).mean())


def blurred(seen: np.ndarray, original: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    return detail(seen, box) < 0.25 * detail(original, box)


def test_without_a_subject_every_face_is_blurred_and_the_input_is_untouched(
    faces: FacePipeline, two_people: np.ndarray
) -> None:
    before = two_people.copy()
    seen, done = Redactor(faces).image(two_people)
    assert (two_people == before).all()
    assert done == Redaction(frames=1, faces_blurred=2, faces_kept=0, bodies_blurred=0)
    assert blurred(seen, two_people, OBAMA_FACE) and blurred(seen, two_people, BIDEN_FACE)
    assert detail(seen, (450, 300, 250, 250)) > 0.6 * detail(two_people, (450, 300, 250, 250))


@pytest.mark.parametrize(("photo", "kept", "gone"), [
    ("obama.jpg", OBAMA_FACE, BIDEN_FACE),
    ("biden.jpg", BIDEN_FACE, OBAMA_FACE),
])  # fmt: skip
def test_the_subjects_face_is_kept_and_the_bystanders_blurred(
    faces: FacePipeline, two_people: np.ndarray, data_dir: Path, photo: str, kept, gone
) -> None:
    redactor = Redactor(faces, subject(faces, data_dir, photo))
    seen, done = redactor.image(two_people)
    assert (done.faces_kept, done.faces_blurred) == (1, 1)
    assert detail(seen, kept) > 0.9 * detail(two_people, kept)
    assert blurred(seen, two_people, gone)
    assert redactor.method == f"faces blurred except {photo}'s"


def test_a_subject_of_another_embedder_cannot_be_matched_so_nobody_is_kept(
    faces: FacePipeline, two_people: np.ndarray, data_dir: Path
) -> None:
    redactor = Redactor(faces, subject(faces, data_dir, "obama.jpg", embedder="dlib-resnet"))
    assert redactor.subject is None
    assert redactor.image(two_people)[1].faces_blurred == 2


def test_bodies_are_blurred_except_the_subjects(
    faces: FacePipeline, two_people: np.ndarray, data_dir: Path, model_dir: Path
) -> None:
    from citywatch.config.pipeline import DetectorConfig
    from citywatch.detect import create_detector

    persons = create_detector(DetectorConfig(), ModelRegistry(model_dir))
    redactor = Redactor(faces, subject(faces, data_dir, "obama.jpg"), persons, bodies=True)
    seen, done = redactor.image(two_people)
    assert done.faces_kept == 1 and done.bodies_blurred >= 1
    biden_body = (760, 300, 220, 300)  # below his face: suit and tie
    assert blurred(seen, two_people, biden_body)
    assert detail(seen, (250, 300, 150, 300)) > 0.9 * detail(two_people, (250, 300, 150, 300))
    with pytest.raises(ValueError, match="person detector"):
        Redactor(faces, bodies=True)


def test_pictures_and_clips_are_redacted_in_their_own_format(
    faces: FacePipeline, two_people: np.ndarray, data_dir: Path
) -> None:
    import av

    redactor = Redactor(faces)
    ok, jpeg = cv2.imencode(".jpg", two_people)
    assert ok
    data, done = redactor.file(jpeg.tobytes(), ".JPG")
    assert data[:3] == b"\xff\xd8\xff" and done.faces_blurred == 2
    ok, png = cv2.imencode(".png", two_people)
    assert redactor.file(png.tobytes(), ".png")[0][:4] == b"\x89PNG"

    clip = data_dir / "faces/face_recognition_examples/examples/short_hamilton_clip.mp4"
    source = clip.read_bytes()
    out, done = redactor.file(source, ".mp4")
    with av.open(io.BytesIO(source)) as original, av.open(io.BytesIO(out)) as redacted:
        a = [f.to_ndarray(format="bgr24") for f in original.decode(video=0)]
        stream = redacted.streams.video[0]
        assert stream.codec_context.name == "h264"
        b = [f.to_ndarray(format="bgr24") for f in redacted.decode(stream)]
    assert len(b) == len(a) == done.frames and b[0].shape == a[0].shape
    assert done.faces_blurred >= len(a) // 2  # most frames show at least one face
    # Where the redactor finds a face in the original, the redacted frame shows none there.
    for i in range(0, len(a), 50):
        for x1, y1, x2, y2 in redactor.find_faces(a[i]).astype(int):
            box = (x1, y1, x2 - x1, y2 - y1)
            assert detail(b[i], box) < 0.5 * detail(a[i], box), (i, box)

    for bad, suffix in ((b"not a picture", ".jpg"), (b"not a clip", ".mp4"), (b"x", ".gif")):
        with pytest.raises(RedactionError):
            redactor.file(bad, suffix)


def test_overlapping_boxes_of_two_detectors_are_one_face() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [0, 0, 12, 12]], float)
    assert _merge(boxes, 0.4).tolist() == [[50, 50, 60, 60], [0, 0, 12, 12]]
    assert _merge(np.zeros((0, 4)), 0.4).shape == (0, 4)

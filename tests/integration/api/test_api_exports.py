"""Evidence exports: the ZIP holds the record as the API answers it, its media (faces of people
not under search blurred unless an admin asks otherwise, with a reason), and a manifest whose
sizes and SHA-256 sums match the files and which says how each file was redacted; roles,
unknown records, missing and unredactable files and the size cap. On the real app (credentials
checked), both store backends and the real face models (../shared/models); pictures with faces
from ../shared/data."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from api_seed import CASE, CONFIG, IN_CASE, OTHER_CASE, PURPOSE, Seeded, seed
from api_support import Api
from images import decode

from citywatch import __version__
from citywatch.api import export_archive
from citywatch.api.roles import Role, User
from citywatch.api.routers import alerts, exports, persons
from citywatch.api.schemas import Paging
from citywatch.config import parse_config
from citywatch.core.errors import ModelError
from citywatch.models import ModelRegistry
from citywatch.store.audit import AuditFilter

FILENAME = re.compile(
    r'^attachment; filename="citywatch-export-(?P<kind>[a-z_]+)-(?P<id>.+)-'
    r'(?P<time>\d{8}T\d{6}Z)\.zip"$'
)


EXAMPLES = "faces/face_recognition_examples/examples"
# two_people.jpg (1126x661): Obama's face on the left, Biden's on the right (x, y, w, h).
OBAMA_FACE = (233, 19, 149, 205)
BIDEN_FACE = (790, 40, 148, 220)


@pytest.fixture
def seeded(api: Api, model_dir: Path) -> Seeded:
    api.services.config = parse_config(CONFIG)  # cameras with positions on the site plan
    api.services.registry = ModelRegistry(model_dir)  # redaction finds faces with the real models
    return seed(api.services.store, api.services.config)


@pytest.fixture
def two_people(data_dir: Path) -> bytes:
    return (data_dir / EXAMPLES / "two_people.jpg").read_bytes()


def detail(image: np.ndarray, box: tuple[int, int, int, int]) -> float:
    x, y, w, h = box
    region = image[y : y + h, x : x + w].astype(np.float32)
    return float(np.abs(np.diff(region, axis=1)).mean())


def write_clip(path: Path, source: Path, frames: int = 6, width: int = 960) -> None:
    """The first `frames` frames of `source`, scaled to `width`, as an H.264 MP4 at `path`."""
    import av

    with av.open(str(source)) as reader, av.open(str(path), "w", format="mp4") as writer:
        stream = None
        for i, frame in enumerate(reader.decode(video=0)):
            if i == frames:
                break
            image = frame.to_ndarray(format="bgr24")
            height = round(image.shape[0] * width / image.shape[1]) // 2 * 2
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
            if stream is None:
                stream = writer.add_stream("libx264", rate=25)
                stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                writer.mux(packet)
        assert stream is not None
        for packet in stream.encode():
            writer.mux(packet)


def clip_frames(data: bytes) -> list[np.ndarray]:
    import av

    with av.open(io.BytesIO(data)) as reader:
        return [f.to_ndarray(format="bgr24") for f in reader.decode(video=0)]


def key(api: Api, role: Role) -> dict[str, str]:
    return {"X-API-Key": api.key(role.label, role)}


def export(api: Api, headers: dict[str, str], **body: object):
    """An export within the seeded case, unless the body names its own."""
    return api.client().post("/api/exports", json={**IN_CASE, **body}, headers=headers)


def opened(answer) -> zipfile.ZipFile:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["cache-control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.testzip() is None  # every member's CRC checks out
    return archive


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_integrity(archive: zipfile.ZipFile) -> dict:
    """The manifest's and SHA256SUMS' sizes and sums match the files; returns the manifest."""
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        data = archive.read(entry["path"])
        assert entry["bytes"] == len(data), entry["path"]
        assert entry["sha256"] == sha256(data), entry["path"]
    listed = {e["path"] for e in manifest["files"]}
    assert set(archive.namelist()) == listed | {"manifest.json", "README.txt", "SHA256SUMS"}
    sums = {}
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    assert set(sums) == set(archive.namelist()) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert sha256(archive.read(name)) == digest, name
    return manifest


def test_an_event_export_holds_the_record_its_media_redacted_and_a_manifest_that_verifies(
    api: Api, seeded: Seeded, data_dir: Path, two_people: bytes
) -> None:
    event_id = seeded.ids["events"]["red_light"]  # an offence: thumbnail and clip
    stored = api.services.store.event(event_id)
    assert stored is not None and stored.thumbnail_path and stored.clip_path
    data_dir_ = api.services.data_dir
    # Real pictures of people in place of the seed's: two faces, and people walking.
    (data_dir_ / stored.thumbnail_path).write_bytes(two_people)
    write_clip(data_dir_ / stored.clip_path, data_dir / "video/faces_walking.mp4")
    originals = {p: (data_dir_ / p).read_bytes() for p in (stored.thumbnail_path, stored.clip_path)}

    headers = key(api, Role.INVESTIGATOR)
    before = datetime.now(UTC).replace(microsecond=0)
    answer = export(api, headers, kind="event", id=event_id, note="case 42: junction")
    archive = opened(answer)

    disposition = FILENAME.match(answer.headers["content-disposition"])
    assert disposition is not None, answer.headers["content-disposition"]
    assert disposition["kind"] == "event" and disposition["id"] == str(event_id)

    record = json.loads(archive.read("record.json"))
    assert record == api.client().get(f"/api/events/{event_id}", headers=headers).json()
    assert record["values"]["plate"] == "AB12CDE"  # an investigator's view of the record

    manifest = check_integrity(archive)
    media = {e["path"]: e for e in manifest["files"] if e["path"].startswith("media/")}
    assert set(media) == {
        f"media/event-{event_id}-thumbnail.jpg",
        f"media/event-{event_id}-clip.mp4",
    }
    thumbnail = media[f"media/event-{event_id}-thumbnail.jpg"]
    clip = media[f"media/event-{event_id}-clip.mp4"]
    assert thumbnail["source"] == stored.thumbnail_path and clip["source"] == stored.clip_path
    # The stored files are untouched; the manifest names them by their SHA-256.
    for entry in (thumbnail, clip):
        assert (data_dir_ / entry["source"]).read_bytes() == originals[entry["source"]]
        assert entry["source_sha256"] == sha256(originals[entry["source"]])
        assert archive.read(entry["path"]) != originals[entry["source"]]

    # An event has no subject: both faces of the picture are blurred, the rest is not.
    assert thumbnail["redaction"] == {
        "method": "faces of everyone blurred",
        "frames": 1,
        "faces_blurred": 2,
        "faces_kept": 0,
        "bodies_blurred": 0,
    }
    original, seen = decode(two_people), decode(archive.read(thumbnail["path"]))
    assert seen.shape == original.shape
    for face in (OBAMA_FACE, BIDEN_FACE):
        assert detail(seen, face) < 0.25 * detail(original, face)
    background = (450, 300, 250, 250)  # between the two men
    assert detail(seen, background) > 0.6 * detail(original, background)

    # The clip: every frame decoded, faces blurred, re-encoded as H.264.
    frames = clip_frames(archive.read(clip["path"]))
    assert len(frames) == 6 and frames[0].shape == (540, 960, 3)
    assert clip["redaction"]["frames"] == 6
    assert clip["redaction"]["faces_blurred"] >= 6 and clip["redaction"]["faces_kept"] == 0

    assert manifest["redacted"] is True
    assert manifest["redaction"]["subject"] is None
    assert manifest["redaction"]["method"] == "faces of everyone blurred"
    assert manifest["missing"] == [] and manifest["withheld"] == []
    assert manifest["citywatch_version"] == __version__
    assert manifest["request"] == {
        "kind": "event",
        "id": event_id,
        "note": "case 42: junction",
        "redact": True,
        "bodies": False,
        **IN_CASE,  # the case and purpose it was made for
    }
    assert manifest["exported_by"] == {
        "username": "investigator",
        "role": "investigator",
        "via": "api-key",
    }
    record_entry = next(e for e in manifest["files"] if e["path"] == "record.json")
    assert record_entry["redaction"] is None
    exported_at = datetime.fromisoformat(manifest["exported_at"])
    assert exported_at.tzinfo is not None and exported_at.utcoffset().total_seconds() == 0
    assert before <= exported_at <= datetime.now(UTC)
    assert disposition["time"] == exported_at.strftime("%Y%m%dT%H%M%SZ")
    readme = archive.read("README.txt").decode()
    assert "sha256sum -c SHA256SUMS" in readme and "Redacted: faces of everyone blurred" in readme


def test_a_face_alert_export_keeps_the_watchlisted_face_and_blurs_the_others(
    api: Api, seeded: Seeded, data_dir: Path, two_people: bytes
) -> None:
    from sqlalchemy import update

    from citywatch.store.convert import vector_bytes
    from citywatch.store.schema import WatchlistPhotoRow

    # The entry's enrolment photo becomes Obama's (embedded by the real model); the alert's
    # evidence picture shows Obama and Biden.
    faces = api.services.faces()
    obama, _ = faces.main_face(decode((data_dir / EXAMPLES / "obama.jpg").read_bytes()))
    assert obama is not None and obama.embedding is not None
    entry = seeded.ids["entry"]
    with api.services.store.engine.begin() as connection:
        connection.execute(
            update(WatchlistPhotoRow)
            .where(WatchlistPhotoRow.entry_id == entry)
            .values(embedder=faces.embedder.name, embedding=vector_bytes(obama.embedding))
        )
    alert_id = seeded.ids["face_alert"]
    stored = alerts.find_alert(api.services, "face", alert_id)
    assert stored.evidence_path
    (api.services.data_dir / stored.evidence_path).write_bytes(two_people)

    headers = key(api, Role.INVESTIGATOR)
    archive = opened(export(api, headers, kind="face_alert", id=alert_id))
    record = json.loads(archive.read("record.json"))
    assert record == api.client().get(f"/api/alerts/face/{alert_id}", headers=headers).json()
    manifest = check_integrity(archive)
    name = f"media/face-alert-{alert_id}-evidence.jpg"
    entry_label = f"watchlist entry {entry} (Jane Doe)"
    assert manifest["redaction"]["subject"] == entry_label
    assert manifest["redaction"]["subject_faces"] == 1
    redaction = next(e for e in manifest["files"] if e["path"] == name)["redaction"]
    assert redaction["faces_kept"] == 1 and redaction["faces_blurred"] == 1
    assert redaction["method"] == f"faces blurred except {entry_label}'s"
    original, seen = decode(two_people), decode(archive.read(name))
    assert detail(seen, OBAMA_FACE) > 0.6 * detail(original, OBAMA_FACE)  # under search
    assert detail(seen, BIDEN_FACE) < 0.25 * detail(original, BIDEN_FACE)  # a bystander


def test_a_plate_alert_export_holds_its_evidence_redacted(api: Api, seeded: Seeded) -> None:
    headers = key(api, Role.ADMIN)  # admins may export too
    alert_id = seeded.ids["plate_alert"]
    archive = opened(export(api, headers, kind="plate_alert", id=alert_id))
    record = json.loads(archive.read("record.json"))
    assert record == api.client().get(f"/api/alerts/plate/{alert_id}", headers=headers).json()
    manifest = check_integrity(archive)
    evidence = f"media/plate-alert-{alert_id}-evidence.jpg"
    served = api.client().get(f"/api/alerts/plate/{alert_id}/evidence", headers=headers)
    assert served.status_code == 200
    assert decode(archive.read(evidence)).shape == decode(served.content).shape
    entry = next(e for e in manifest["files"] if e["path"] == evidence)
    assert entry["source_sha256"] == sha256(served.content)
    assert entry["redaction"]["frames"] == 1 and entry["redaction"]["faces_blurred"] == 0
    assert manifest["request"] == {
        "kind": "plate_alert",
        "id": alert_id,
        "note": None,
        "redact": True,
        "bodies": False,
        **IN_CASE,
    }


def test_an_admin_may_export_as_stored_with_a_reason(
    api: Api, seeded: Seeded, two_people: bytes
) -> None:
    event_id = seeded.ids["events"]["red_light"]
    stored = api.services.store.event(event_id)
    assert stored is not None and stored.thumbnail_path and stored.clip_path
    (api.services.data_dir / stored.thumbnail_path).write_bytes(two_people)
    reason = "court order 2024/17: unredacted copy for the prosecutor"
    admin = key(api, Role.ADMIN)
    archive = opened(export(api, admin, kind="event", id=event_id, note=reason, redact=False))
    manifest = check_integrity(archive)
    assert manifest["redacted"] is False
    assert manifest["redaction"] == {"method": "none", "reason": reason}
    data_dir = api.services.data_dir
    for entry in manifest["files"]:
        if entry["path"].startswith("media/"):  # byte for byte the stored files
            assert archive.read(entry["path"]) == (data_dir / entry["source"]).read_bytes()
            assert entry["redaction"] == {"method": "none: unredacted export", "reason": reason}
    served = api.client().get(f"/api/events/{event_id}/clip", headers=admin)
    assert archive.read(f"media/event-{event_id}-clip.mp4") == served.content
    readme = archive.read("README.txt").decode()
    assert "NOT redacted" in readme and reason in readme


def test_unredacted_exports_need_an_admin_and_a_reason(api: Api, seeded: Seeded) -> None:
    event_id = seeded.ids["events"]["red_light"]
    refused = export(
        api, key(api, Role.INVESTIGATOR), kind="event", id=event_id, note="why", redact=False
    )
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "an unredacted export needs the admin role (you are investigator)"
    }
    for note in (None, "", "   "):
        answer = export(api, key(api, Role.ADMIN), kind="event", id=event_id, note=note,
                        redact=False)  # fmt: skip
        assert answer.status_code == 422
        assert answer.json() == {"detail": "an unredacted export needs a reason: give it as `note`"}


def test_a_file_that_cannot_be_redacted_is_withheld(api: Api, seeded: Seeded) -> None:
    event_id = seeded.ids["events"]["red_light"]  # the seed's clip is not a video
    stored = api.services.store.event(event_id)
    assert stored is not None and stored.clip_path
    archive = opened(export(api, key(api, Role.INVESTIGATOR), kind="event", id=event_id))
    manifest = check_integrity(archive)
    assert [w["source"] for w in manifest["withheld"]] == [stored.clip_path]
    assert manifest["withheld"][0]["what"] == f"event {event_id} clip"
    assert not any(name.endswith(".mp4") for name in archive.namelist())
    assert "withheld" in archive.read("README.txt").decode()


def test_without_face_models_a_redacted_export_is_refused(
    api: Api, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise ModelError("face-detection-retail-0004 is not in the model directory")

    monkeypatch.setattr(api.services, "faces", missing)
    event_id = seeded.ids["events"]["red_light"]
    answer = export(api, key(api, Role.INVESTIGATOR), kind="event", id=event_id)
    assert answer.status_code == 503
    assert answer.json()["detail"].startswith("cannot redact the export: the face models")


def test_an_identity_export_holds_the_whole_trajectory_and_each_tracks_picture(
    api: Api, seeded: Seeded
) -> None:
    headers = key(api, Role.INVESTIGATOR)
    archive = opened(export(api, headers, kind="identity", id="person-a", bodies=True))
    record = json.loads(archive.read("record.json"))
    # The trajectory as the persons router makes it (its GET also asks for a case).
    investigator = User(0, "investigator", Role.INVESTIGATOR, "api-key")
    page = persons.trajectory(
        "person-a", investigator, api.services, Paging(exports.MAX_TRAJECTORY_STEPS, 0)
    )
    assert record == page.model_dump(mode="json") and record["next_offset"] is None
    assert record["identity"] == "person-a"
    assert [step["camera"] for step in record["items"]] == ["gate", "yard"]
    assert record["items"][0]["position"] == {"x": 5.0, "y": 10.0}

    manifest = check_integrity(archive)
    for step in record["items"]:
        name = f"media/track-{step['track_id']}-thumbnail.jpg"
        served = api.client().get(step["thumbnail_url"], headers=headers)
        assert served.status_code == 200
        entry = next(e for e in manifest["files"] if e["path"] == name)
        assert entry["source_sha256"] == sha256(served.content)
        assert decode(archive.read(name)).shape == decode(served.content).shape
        assert entry["redaction"]["method"] == "faces and bodies of everyone blurred"
    assert len([e for e in manifest["files"] if e["path"].startswith("media/")]) == 2
    # The seed's faces were embedded by another model: nothing of person-a can be kept.
    assert manifest["redaction"]["subject"] is None and manifest["redaction"]["bodies"] is True
    assert manifest["redaction"]["notes"] == [
        "no stored face of identity person-a for face-reidentification-retail-0095: "
        "every face is blurred"
    ]


def test_a_missing_file_is_listed_not_fatal(api: Api, seeded: Seeded) -> None:
    event_id = seeded.ids["events"]["red_light"]
    stored = api.services.store.event(event_id)
    assert stored is not None and stored.clip_path
    (api.services.data_dir / stored.clip_path).unlink()
    archive = opened(export(api, key(api, Role.INVESTIGATOR), kind="event", id=event_id))
    manifest = check_integrity(archive)
    assert manifest["missing"] == [
        {"what": f"event {event_id} clip", "source": stored.clip_path, "reason": "no file"}
    ]
    names = archive.namelist()
    assert f"media/event-{event_id}-thumbnail.jpg" in names
    assert not any(name.endswith(".mp4") for name in names)
    assert "not found" in archive.read("README.txt").decode()


def test_a_stored_path_outside_the_data_directory_is_never_read(
    api: Api, seeded: Seeded, tmp_path: Path
) -> None:
    from sqlalchemy import update

    from citywatch.store.schema import EventRow

    secret = tmp_path / "secret.mp4"
    secret.write_bytes(b"not evidence")
    event_id = seeded.ids["events"]["red_light"]
    with api.services.store.engine.begin() as connection:
        connection.execute(
            update(EventRow).where(EventRow.id == event_id).values(clip_path=str(secret))
        )
    archive = opened(export(api, key(api, Role.INVESTIGATOR), kind="event", id=event_id))
    manifest = check_integrity(archive)
    assert [m["source"] for m in manifest["missing"]] == [str(secret)]
    assert all(archive.read(name) != b"not evidence" for name in archive.namelist())


def test_viewers_are_refused_and_anonymous_callers_are_asked_to_sign_in(
    api: Api, seeded: Seeded
) -> None:
    event_id = seeded.ids["events"]["intrusion"]
    refused = export(api, key(api, Role.VIEWER), kind="event", id=event_id)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "needs the investigator role (you are viewer)"}
    anonymous = export(api, {}, kind="event", id=event_id)
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "sign in, or send a bearer token or an API key"}


def test_unknown_records_are_a_404_in_one_line(api: Api, seeded: Seeded) -> None:
    headers = key(api, Role.INVESTIGATOR)
    cases = [
        ({"kind": "event", "id": 999}, "event 999 does not exist"),
        ({"kind": "face_alert", "id": 999}, "face alert 999 does not exist"),
        ({"kind": "plate_alert", "id": 999}, "plate alert 999 does not exist"),
        ({"kind": "identity", "id": "nobody"}, "identity 'nobody': no stored tracks"),
    ]
    for body, detail in cases:
        answer = export(api, headers, **body)
        assert answer.status_code == 404, body
        assert answer.json() == {"detail": detail}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "event"},
        {"kind": "event", "id": 0},
        {"kind": "event", "id": "abc"},
        {"kind": "video", "id": 1},
        {"kind": "identity", "id": "../etc"},
        {"kind": "identity", "id": "a\u0000b"},
        {"kind": "event", "id": 1, "note": "x" * 2001},
        {"kind": "event", "id": 1, "extra": True},
        {"kind": "event", "id": 1, "redact": "maybe"},
    ],
)
def test_a_bad_body_is_a_422(api: Api, seeded: Seeded, body: dict) -> None:
    answer = export(api, key(api, Role.INVESTIGATOR), **body)
    assert answer.status_code == 422, answer.text
    assert set(answer.json()) == {"detail"} and "\n" not in answer.json()["detail"]


def test_an_export_over_the_cap_is_a_413(
    api: Api, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    event_id = seeded.ids["events"]["red_light"]
    stored = api.services.store.event(event_id)
    assert stored is not None and stored.clip_path and stored.thumbnail_path
    thumbnail = (api.services.data_dir / stored.thumbnail_path).stat().st_size
    monkeypatch.setattr(
        export_archive, "MAX_EXPORT_BYTES", thumbnail // 2
    )  # smaller than the media
    answer = export(api, key(api, Role.INVESTIGATOR), kind="event", id=event_id)
    assert answer.status_code == 413
    assert answer.json()["detail"].startswith("the export would be larger than")


def test_an_export_is_made_in_a_case_and_audited(api: Api, seeded: Seeded) -> None:
    headers = key(api, Role.INVESTIGATOR)
    event_id = seeded.ids["events"]["red_light"]
    missing = api.client().post(
        "/api/exports", json={"kind": "event", "id": event_id}, headers=headers
    )
    assert missing.status_code == 422
    refused = export(api, headers, kind="event", id=event_id, case=OTHER_CASE)
    assert refused.status_code == 403 and OTHER_CASE in refused.json()["detail"]
    answer = export(api, headers, kind="event", id=event_id)
    assert answer.status_code == 200
    entries = api.services.audit().entries(AuditFilter(action="export.event"))
    done = [e for e in entries if e.outcome == "ok"]
    assert len(done) == 1 and done[0].case_ref == CASE and done[0].purpose == PURPOSE
    assert done[0].actor == "investigator" and done[0].target == f"event {event_id}"
    detail = json.loads(done[0].detail)
    assert detail["redacted"] is True and detail["sha256"] == sha256(answer.content)
    assert any(e.outcome == "refused" for e in entries)
    assert api.services.audit().verify().intact

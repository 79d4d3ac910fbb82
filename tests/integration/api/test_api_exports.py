"""Evidence exports: the ZIP holds the record as the API answers it, the stored media, and a
manifest whose sizes and SHA-256 sums match the files; roles, unknown records, missing files
and the size cap. On the real app (credentials checked) and both store backends."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from api_seed import CONFIG, Seeded, seed
from api_support import Api

from citywatch import __version__
from citywatch.api.roles import Role
from citywatch.api.routers import exports
from citywatch.config import parse_config

FILENAME = re.compile(
    r'^attachment; filename="citywatch-export-(?P<kind>[a-z_]+)-(?P<id>.+)-'
    r'(?P<time>\d{8}T\d{6}Z)\.zip"$'
)


@pytest.fixture
def seeded(api: Api) -> Seeded:
    api.services.config = parse_config(CONFIG)  # cameras with positions on the site plan
    return seed(api.services.store, api.services.config)


def key(api: Api, role: Role) -> dict[str, str]:
    return {"X-API-Key": api.key(role.label, role)}


def export(api: Api, headers: dict[str, str], **body: object):
    return api.client().post("/api/exports", json=body, headers=headers)


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


def test_an_event_export_holds_the_record_its_media_and_a_manifest_that_verifies(
    api: Api, seeded: Seeded
) -> None:
    event_id = seeded.ids["events"]["red_light"]  # an offence: thumbnail and clip
    headers = key(api, Role.INVESTIGATOR)
    before = datetime.now(UTC).replace(microsecond=0)
    answer = export(api, headers, kind="event", id=event_id, note="case 42: junction")
    archive = opened(answer)

    disposition = FILENAME.match(answer.headers["content-disposition"])
    assert disposition is not None, answer.headers["content-disposition"]
    assert disposition["kind"] == "event" and disposition["id"] == str(event_id)

    record = json.loads(archive.read("record.json"))
    assert record == api.client().get(f"/api/events/{event_id}", headers=headers).json()
    assert record["values"]["plate"] == "AB12CDE"  # an investigator's view, unredacted

    manifest = check_integrity(archive)
    stored = api.services.store.event(event_id)
    assert stored is not None and stored.thumbnail_path and stored.clip_path
    data_dir = api.services.data_dir
    media = {e["path"]: e for e in manifest["files"] if e["path"].startswith("media/")}
    assert set(media) == {
        f"media/event-{event_id}-thumbnail.jpg",
        f"media/event-{event_id}-clip.mp4",
    }
    thumbnail = media[f"media/event-{event_id}-thumbnail.jpg"]
    clip = media[f"media/event-{event_id}-clip.mp4"]
    assert thumbnail["source"] == stored.thumbnail_path and clip["source"] == stored.clip_path
    # Byte for byte the stored files, and what the API serves an investigator.
    assert archive.read(thumbnail["path"]) == (data_dir / stored.thumbnail_path).read_bytes()
    assert archive.read(clip["path"]) == (data_dir / stored.clip_path).read_bytes()
    served = api.client().get(f"/api/events/{event_id}/clip", headers=headers)
    assert archive.read(clip["path"]) == served.content

    assert manifest["missing"] == []
    assert manifest["redacted"] is False
    assert manifest["citywatch_version"] == __version__
    assert manifest["request"] == {"kind": "event", "id": event_id, "note": "case 42: junction"}
    assert manifest["exported_by"] == {
        "username": "investigator",
        "role": "investigator",
        "via": "api-key",
    }
    exported_at = datetime.fromisoformat(manifest["exported_at"])
    assert exported_at.tzinfo is not None and exported_at.utcoffset().total_seconds() == 0
    assert before <= exported_at <= datetime.now(UTC)
    assert disposition["time"] == exported_at.strftime("%Y%m%dT%H%M%SZ")
    readme = archive.read("README.txt").decode()
    assert "sha256sum -c SHA256SUMS" in readme and "NOT redacted" in readme


def test_an_alert_export_holds_its_evidence(api: Api, seeded: Seeded) -> None:
    headers = key(api, Role.ADMIN)  # admins may export too
    for kind in ("face", "plate"):
        alert_id = seeded.ids[f"{kind}_alert"]
        archive = opened(export(api, headers, kind=f"{kind}_alert", id=alert_id))
        record = json.loads(archive.read("record.json"))
        assert record == api.client().get(f"/api/alerts/{kind}/{alert_id}", headers=headers).json()
        manifest = check_integrity(archive)
        evidence = f"media/{kind}-alert-{alert_id}-evidence.jpg"
        served = api.client().get(f"/api/alerts/{kind}/{alert_id}/evidence", headers=headers)
        assert served.status_code == 200
        assert archive.read(evidence) == served.content
        assert manifest["request"] == {"kind": f"{kind}_alert", "id": alert_id, "note": None}


def test_an_identity_export_holds_the_whole_trajectory_and_each_tracks_picture(
    api: Api, seeded: Seeded
) -> None:
    headers = key(api, Role.INVESTIGATOR)
    archive = opened(export(api, headers, kind="identity", id="person-a"))
    record = json.loads(archive.read("record.json"))
    page = api.client().get("/api/persons/person-a/trajectory?limit=500", headers=headers).json()
    assert record["items"] == page["items"] and record["next_offset"] is None
    assert record["identity"] == "person-a" and record["site"] == page["site"]
    assert [step["camera"] for step in record["items"]] == ["gate", "yard"]
    assert record["items"][0]["position"] == {"x": 5.0, "y": 10.0}

    manifest = check_integrity(archive)
    for step in record["items"]:
        name = f"media/track-{step['track_id']}-thumbnail.jpg"
        served = api.client().get(step["thumbnail_url"], headers=headers)
        assert served.status_code == 200
        assert archive.read(name) == served.content
    assert len([e for e in manifest["files"] if e["path"].startswith("media/")]) == 2


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
    monkeypatch.setattr(exports, "MAX_EXPORT_BYTES", thumbnail // 2)  # smaller than the media
    answer = export(api, key(api, Role.INVESTIGATOR), kind="event", id=event_id)
    assert answer.status_code == 413
    assert answer.json()["detail"].startswith("the export would be larger than")

"""The evidence ZIP of an export (citywatch.api.routers.exports): record, media, manifest,
README and SHA256SUMS, built in memory.

Media are read only through `media.resolve_media` (never outside the data directory), redacted
on copies when a `Redactor` is given, and listed in the manifest with their sizes and SHA-256
and those of the stored files; a file that is gone is listed under `missing`, one that cannot
be redacted under `withheld`. The whole ZIP is bounded by `MAX_EXPORT_BYTES` (a 413).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, status
from pydantic import BaseModel

from citywatch import __version__
from citywatch.api.media import resolve_media
from citywatch.api.roles import User
from citywatch.api.services import ApiServices
from citywatch.privacy.redaction import Redaction, RedactionError, Redactor, Subject

if TYPE_CHECKING:
    from pathlib import Path

    from citywatch.api.routers.exports import ExportRequest

MAX_EXPORT_BYTES = 500 * 1024 * 1024  # the stored files of one record; the ZIP is held in memory
FORMAT = "citywatch-export/2"
# Pictures and video are compressed already; text is worth deflating.
STORED_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".mp4"})


@dataclass(frozen=True)
class ExportMedia:
    name: str  # in the ZIP, under media/, without the suffix
    path: str | None  # as stored, relative to the data directory
    what: str  # for people: "event 3 clip"


@dataclass
class ExportRecord:
    record: BaseModel
    media: list[ExportMedia]
    subject: Subject | None = None
    subject_wanted: str | None = None  # who the subject is, even when nothing of theirs is kept
    notes: list[str] = field(default_factory=list)


def build_archive(
    services: ApiServices,
    user: User,
    body: ExportRequest,
    found: ExportRecord,
    redactor: Redactor | None,
    now: dt.datetime,
) -> bytes:
    record = found.record
    contents: list[tuple[str, bytes]] = [("record.json", _json(record.model_dump(mode="json")))]
    details: dict[str, dict[str, Any]] = {}
    missing: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    total = len(contents[0][1])
    for item in found.media:
        read = _read(services, item, total, missing)
        if read is None:
            continue
        target, data = read
        detail: dict[str, Any] = {"source": item.path or "", "source_sha256": _sha256(data)}
        if redactor is None:
            detail["redaction"] = {"method": "none: unredacted export", "reason": body.note}
        else:
            try:
                data, done = redactor.file(data, target.suffix)
            except RedactionError as error:
                withheld.append({"what": item.what, "source": item.path, "reason": str(error)})
                continue
            detail["redaction"] = _redaction_entry(redactor, done)
        if total + len(data) > MAX_EXPORT_BYTES:
            raise too_large()
        name = f"media/{item.name}{target.suffix.lower()}"
        contents.append((name, data))
        details[name] = detail
        total += len(data)

    files = []
    for name, data in contents:
        entry = details.get(name, {"source": None, "source_sha256": None, "redaction": None})
        files.append(
            {
                "path": name,
                "source": entry["source"],
                "bytes": len(data),
                "sha256": _sha256(data),
                "source_sha256": entry["source_sha256"],
                "redaction": entry["redaction"],
            }
        )
    manifest = {
        "format": FORMAT,
        "exported_at": now.isoformat().replace("+00:00", "Z"),
        "exported_by": {"username": user.username, "role": user.role.label, "via": user.via},
        "request": body.model_dump(mode="json"),
        "citywatch_version": __version__,
        "redacted": redactor is not None,
        "redaction": _redaction_summary(redactor, body, found),
        "files": files,
        "missing": missing,
        "withheld": withheld,
    }
    readme = _readme(body, user, now, redactor, found, missing, withheld)
    contents.append(("README.txt", readme.encode()))
    contents.append(("manifest.json", _json(manifest)))
    sums = "".join(f"{_sha256(data)}  {name}\n" for name, data in contents)
    contents.append(("SHA256SUMS", sums.encode()))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in contents:
            member = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
            stored = any(name.endswith(suffix) for suffix in STORED_SUFFIXES)
            member.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            archive.writestr(member, data)
    return buffer.getvalue()


def _read(
    services: ApiServices, item: ExportMedia, total: int, missing: list[dict[str, Any]]
) -> tuple[Path, bytes] | None:
    """The stored file (read only, never written), or None with the reason in `missing`."""
    try:
        target = resolve_media(services.data_dir, item.path, item.what)
        if total + target.stat().st_size > MAX_EXPORT_BYTES:
            raise too_large()
        return target, target.read_bytes()
    except HTTPException as refused:
        if refused.status_code != status.HTTP_404_NOT_FOUND:
            raise
        missing.append({"what": item.what, "source": item.path, "reason": "no file"})
    except OSError as error:  # gone or unreadable since it was resolved
        reason = error.strerror or type(error).__name__
        missing.append({"what": item.what, "source": item.path, "reason": reason})
    return None


def too_large() -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE,
        f"the export would be larger than {MAX_EXPORT_BYTES // 2**20} MB",
    )


def _redaction_summary(
    redactor: Redactor | None, body: ExportRequest, found: ExportRecord
) -> dict[str, Any]:
    if redactor is None:
        return {"method": "none", "reason": body.note}
    faces = redactor.faces
    return {
        "method": redactor.method,
        "subject": redactor.subject.label if redactor.subject is not None else None,
        "subject_faces": len(redactor.subject.embeddings) if redactor.subject is not None else 0,
        "bodies": redactor.bodies,
        "face_detectors": [d.name for d in redactor.detectors],
        "face_embedder": faces.embedder.name,
        "same_person_distance": faces.threshold,
        "notes": found.notes,
    }


def _readme(
    body: ExportRequest,
    user: User,
    now: dt.datetime,
    redactor: Redactor | None,
    found: ExportRecord,
    missing: list[dict[str, Any]],
    withheld: list[dict[str, Any]],
) -> str:
    lines = [
        "citywatch evidence export",
        "",
        f"Record: {body.kind} {body.id} (record.json), exported {now:%Y-%m-%d %H:%M:%S} UTC "
        f"by {user.username} ({user.role.label}), citywatch {__version__}.",
        "manifest.json lists every file with its size and SHA-256.",
        "To verify: unzip, then in the unzipped folder run: sha256sum -c SHA256SUMS",
    ]
    if redactor is None:
        lines.append(
            "Faces in these files are NOT redacted (an admin's unredacted export, reason: "
            f"{body.note!r}): this is personal data; handle it as such."
        )
    else:
        lines.append(
            f"Redacted: {redactor.method}. The media are redacted copies; the stored originals "
            "are unchanged (their SHA-256 is source_sha256 in the manifest). A face the "
            "detectors missed is not blurred: check before passing the files on."
        )
        lines.extend(found.notes)
    if missing:
        lines.append(f"{len(missing)} stored file(s) not found: see 'missing' in the manifest.")
    if withheld:
        lines.append(
            f"{len(withheld)} file(s) withheld: they could not be redacted (see 'withheld')."
        )
    return "\n".join(lines) + "\n"


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _redaction_entry(redactor: Redactor, done: Redaction) -> dict[str, Any]:
    return {
        "method": redactor.method,
        "frames": done.frames,
        "faces_blurred": done.faces_blurred,
        "faces_kept": done.faces_kept,
        "bodies_blurred": done.bodies_blurred,
    }

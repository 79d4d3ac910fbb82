"""Serving stored media (thumbnails, evidence crops, clips) without serving anything else.

Rows keep media paths relative to the data directory. A path is resolved (symbolic links
followed) and served only when it lands on a file inside the data directory: a row, a
migration or a restored backup holding `../` or an absolute path gets a 404, never the file.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import HTTPException, status
from fastapi.responses import FileResponse, Response

from citywatch.api.redaction import redact_jpeg
from citywatch.core.records import Box

MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".mp4": "video/mp4",
}


def resolve_media(data_dir: Path, relative: str | None, what: str) -> Path:
    """The file `relative` names inside `data_dir`; 404 (naming `what`) for anything else."""
    missing = HTTPException(status.HTTP_404_NOT_FOUND, f"{what}: no file")
    if not relative or "\x00" in relative:
        raise missing
    root = data_dir.resolve()
    try:
        target = (root / relative).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, unreadable, or a symlink loop
        raise missing from None
    if not target.is_relative_to(root) or not target.is_file():
        raise missing
    return target


def media_response(data_dir: Path, relative: str | None, what: str) -> FileResponse:
    target = resolve_media(data_dir, relative, what)
    media_type = MEDIA_TYPES.get(target.suffix.lower(), "application/octet-stream")
    return FileResponse(target, media_type=media_type, headers=PRIVATE)


def blurred_image_response(
    data_dir: Path,
    relative: str | None,
    what: str,
    faces: list[Box] | None,
    persons: list[Box] | None,
) -> Response:
    """The stored picture with faces blurred (see `redaction.redact`) as a JPEG."""
    target = resolve_media(data_dir, relative, what)
    try:
        jpeg = redact_jpeg(target.read_bytes(), faces, persons)
    except (OSError, ValueError):
        # Never fall back to the unblurred file.
        raise HTTPException(
            status.HTTP_500_INTERNAL_SERVER_ERROR, f"{what}: cannot blur the stored picture"
        ) from None
    return Response(jpeg, media_type="image/jpeg", headers=PRIVATE)


def image_size(data_dir: Path, relative: str | None, what: str) -> tuple[int, int]:
    """(width, height) of a stored picture, from its header."""
    from citywatch.core.images import ImageError
    from citywatch.core.images import image_size as header_size

    target = resolve_media(data_dir, relative, what)
    try:
        width, height, _ = header_size(target)
    except ImageError:
        raise HTTPException(
            status.HTTP_500_INTERNAL_SERVER_ERROR, f"{what}: the stored picture is unreadable"
        ) from None
    return width, height


# Personal data: browsers and proxies must not keep copies.
PRIVATE = {"Cache-Control": "no-store"}

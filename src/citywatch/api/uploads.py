"""Photos people upload (search queries, enrolment): bounded, kept in memory, decoded safely.

FastAPI's own form parsing spools a file part over 1 MB to the system's temporary directory;
a face photo is biometric data and must not land outside the data directory, so upload routes
parse the form here instead: each file part is held in memory and refused (413, naming the
field) as soon as it passes the limit, before the rest is read. To decode, a photo is written
to `<data_dir>/tmp/` for the moment `load_image` needs a file (it refuses decompression bombs
and corrupt files from the header, before decoding) and removed at once.

A form is described and checked by a pydantic model (`multipart_body` puts it in the OpenAPI
document; `validate_form` answers 422 with one line naming the field).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_origin

import numpy as np
from fastapi import HTTPException, Request, status
from pydantic import BaseModel, ValidationError
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import parse_options_header

from citywatch.api.schemas import first_problem
from citywatch.core.images import ImageError, load_image

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # a phone photo is 2-6 MB; a 50 MP still fits
MAX_FIELD_BYTES = 64 * 1024
MAX_PHOTOS = 10  # enrolment photos a request
BODY_SLACK = 64 * 1024  # multipart headers and text fields around the files
TMP_DIR = "tmp"

M = TypeVar("M", bound=BaseModel)
_UNSAFE = re.compile(r"[^\w. ()+-]")


def body_limit(files: int) -> int:
    """The request size a route with up to `files` uploads accepts (a backstop: each file is
    checked on its own as it arrives)."""
    return files * MAX_UPLOAD_BYTES + BODY_SLACK


class UploadTooLargeError(MultiPartException):
    pass


@dataclass(frozen=True)
class Upload:
    field: str
    filename: str  # as the client named it, cleaned: only ever shown in messages
    data: bytes

    @property
    def label(self) -> str:
        return f"{self.field} ({self.filename})" if self.filename else self.field


@dataclass
class UploadForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[Upload]] = field(default_factory=lambda: defaultdict(list))


class _InMemoryParser(MultiPartParser):
    # Above the per-file limit, so a file part never spills to the system's temp directory.
    spool_max_size = MAX_UPLOAD_BYTES + 1

    def __init__(self, headers: Headers, stream: Any, *, max_files: int, max_bytes: int) -> None:
        super().__init__(
            headers, stream, max_files=max_files, max_fields=50, max_part_size=MAX_FIELD_BYTES
        )
        self.max_bytes = max_bytes
        self._sizes: dict[int, int] = {}

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current_part
        if part.file is not None:
            size = self._sizes.get(id(part), 0) + (end - start)
            if size > self.max_bytes:
                raise UploadTooLargeError(
                    f"{part.field_name}: the file is larger than the "
                    f"{self.max_bytes // (1024 * 1024)} MB limit"
                )
            self._sizes[id(part)] = size
        super().on_part_data(data, start, end)


async def read_form(
    request: Request, max_files: int = 1, max_bytes: int = MAX_UPLOAD_BYTES
) -> UploadForm:
    """The request's multipart form, files in memory; 413 for a file over `max_bytes`."""
    content_type, _ = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the request as multipart/form-data"
        )
    parser = _InMemoryParser(
        request.headers, request.stream(), max_files=max_files, max_bytes=max_bytes
    )
    try:
        form = await parser.parse()
    except UploadTooLargeError as error:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, error.message) from None
    except MultiPartException as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"body: {error.message}") from None
    result = UploadForm()
    try:
        for key, value in form.multi_items():
            name = key.removesuffix("[]")  # photos[] and photos are one field
            if isinstance(value, UploadFile):
                data = await value.read()
                result.files[name].append(Upload(name, _clean(value.filename), data))
            else:
                result.fields[name] = value
    finally:
        await form.close()
    return result


def validate_form(model: type[M], form: UploadForm) -> M:
    """The form checked against `model` (files as bytes); 422 naming the first bad field."""
    values: dict[str, Any] = dict(form.fields)
    for name, info in model.model_fields.items():
        if name in form.fields and info.annotation in (bytes, list[bytes]):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name}: send a file")
    for name, uploads in form.files.items():
        declared = model.model_fields.get(name)
        many = declared is not None and get_origin(declared.annotation) is list
        values[name] = [u.data for u in uploads] if many else uploads[0].data
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, first_problem(error)) from None


def multipart_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` declaring `model` as the route's multipart/form-data body."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


def decode_image(upload: Upload, data_dir: Path) -> np.ndarray:
    """The upload as an HxWx3 BGR array; 422 with the reason for a corrupt file or a bomb."""
    folder = data_dir / TMP_DIR
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, suffix=".upload")  # mode 0600
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(upload.data)
        return load_image(name)
    except ImageError as error:
        # error.reason, not str(error): the temporary path means nothing to the caller.
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"{upload.label}: {error.reason}"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _clean(filename: str | None) -> str:
    """A client's file name fit for a one-line message: base name, plain characters, short."""
    if not filename:
        return ""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE.sub("_", base)[:100]

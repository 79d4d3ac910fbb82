"""Fetching one model file: stream into a temp file beside the target, check sha256, rename.

The temp file lives in the target's folder so the final `os.replace` is an atomic rename on
the same filesystem: a reader sees either no file or the whole, checked file, never a partial
one, and a failed or interrupted download removes its temp file.

Sources are http(s) URLs (upstream or a mirror), `file://` URLs or plain local paths (a mirror
copied onto a disk), so an offline site can pull from a USB stick with the same checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from citywatch.core.errors import ModelError, UsageError

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 16
DEFAULT_TIMEOUT_S = 30.0
# Connecting should be quick; a slow start usually means no route, so fail sooner than a read.
CONNECT_TIMEOUT_S = 10.0
_REMOTE_SCHEMES = ("http", "https")


class DownloadProgress(Protocol):
    """Told about each file as it streams; the CLI shows a progress bar with it."""

    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, nbytes: int) -> None: ...

    def finish(self) -> None: ...


def is_remote(source: str) -> bool:
    return urllib.parse.urlsplit(source).scheme.lower() in _REMOTE_SCHEMES


def check_mirror(mirror: str) -> None:
    """UsageError for a mirror that cannot work, before anything is fetched."""
    scheme = _scheme(mirror)
    if scheme in _REMOTE_SCHEMES:
        return
    if scheme not in ("", "file"):
        raise UsageError(
            f"mirror {mirror}: unsupported scheme {scheme!r} (use http(s), file:// or a folder)"
        )
    folder = _local_path(mirror)
    if not folder.is_dir():
        raise UsageError(f"mirror {mirror}: {folder} is not a directory")


def mirror_source(mirror: str, *parts: str) -> str:
    """The location of `parts` (path segments) under a mirror URL or folder."""
    scheme = _scheme(mirror)
    if scheme in _REMOTE_SCHEMES or scheme == "file":
        return mirror.rstrip("/") + "/" + "/".join(urllib.parse.quote(p) for p in parts)
    return str(Path(mirror).joinpath(*parts))


def fetch_file(
    source: str,
    dest: Path,
    sha256: str,
    *,
    size: int | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    progress: DownloadProgress | None = None,
) -> None:
    """Put the bytes at `source` at `dest` if and only if their sha256 is `sha256`."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    temp = Path(temp_name)
    started = False
    try:
        digest = hashlib.sha256()
        received = 0
        with os.fdopen(fd, "wb") as out, _open(source, timeout) as chunks:
            if progress is not None:
                progress.start(dest.name, size)
                started = True
            for chunk in chunks:
                received += len(chunk)
                if size is not None and received > size:
                    # A wrong file can be huge; stop reading instead of filling the disk.
                    raise ModelError(
                        f"{dest.name}: {source} sent more than the expected {size} bytes; "
                        "nothing was written"
                    )
                digest.update(chunk)
                out.write(chunk)
                if progress is not None:
                    progress.advance(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != sha256.lower():
            raise ModelError(
                f"{dest.name}: sha256 mismatch for {source}: expected {sha256}, got {actual}; "
                "nothing was written"
            )
        # mkstemp creates 0600; model files are not secret and other users may run citywatch.
        os.chmod(temp, 0o644)
        os.replace(temp, dest)
    except BaseException:
        # BaseException too: Ctrl-C in the middle must not leave a .part file behind.
        temp.unlink(missing_ok=True)
        raise
    finally:
        if started and progress is not None:
            progress.finish()
    log.debug("wrote %s (%d bytes) from %s", dest, received, source)


@contextlib.contextmanager
def _open(source: str, timeout: float) -> Iterator[Iterator[bytes]]:
    if is_remote(source):
        with _open_http(source, timeout) as chunks:
            yield chunks
        return
    path = _local_path(source)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ModelError(f"{source}: not found") from None
    except OSError as error:
        raise ModelError(f"{source}: cannot read ({error.strerror or error})") from None
    with handle:
        yield iter(lambda: handle.read(CHUNK_BYTES), b"")


@contextlib.contextmanager
def _open_http(url: str, timeout: float) -> Iterator[Iterator[bytes]]:
    import httpx  # only `pull` needs it; keep it out of every other command's start-up

    limits = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S))
    try:
        with (
            httpx.Client(timeout=limits, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise ModelError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
            yield response.iter_bytes(CHUNK_BYTES)
    except httpx.HTTPError as error:
        # Errors while streaming arrive here too: the with-body is resumed at the yield.
        reason = str(error) or type(error).__name__
        raise ModelError(f"{url}: download failed ({reason})") from None


def _scheme(location: str) -> str:
    scheme = urllib.parse.urlsplit(location).scheme.lower()
    # A one-letter scheme is a Windows drive ("C:\\models"), not a URL.
    return "" if len(scheme) == 1 else scheme


def _local_path(location: str) -> Path:
    if _scheme(location) == "file":
        return Path(urllib.request.url2pathname(urllib.parse.urlsplit(location).path))
    return Path(location).expanduser()

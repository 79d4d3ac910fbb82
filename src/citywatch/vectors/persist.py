"""Saving an index directory atomically.

Layout of a directory:

    index.json               the commit point: format, version, kind, dim, count, params,
                             generation and the data files of that generation
    <role>-<generation>.<ext>   data files (faiss index, numpy arrays, usearch graph)

A save writes the next generation's data files under temporary names, fsyncs and renames them,
then writes `index.json.tmp`, fsyncs it and renames it over `index.json` (rename is atomic on
POSIX), fsyncs the directory, and only then deletes the previous generation. A crash at any
point leaves `index.json` naming a complete generation; leftovers are removed by the next save.
Two processes must not save into one directory at the same time.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citywatch.vectors.base import KINDS, IndexFileError, IndexKind

log = logging.getLogger("citywatch.vectors")

META_NAME = "index.json"
FORMAT = "citywatch-vector-index"
VERSION = 1
_DATA_FILE = re.compile(r"^[a-z]+-(\d{6})\.[a-z0-9.]+$")

# role -> (file extension, function that writes the data to the path it is given)
Writers = Mapping[str, tuple[str, Callable[[Path], None]]]


@dataclass(frozen=True)
class IndexMeta:
    kind: IndexKind
    dim: int
    count: int
    params: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    generation: int = 0
    version: int = VERSION

    def path(self, directory: Path, role: str) -> Path:
        return directory / self.files[role]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "kind": self.kind,
            "dim": self.dim,
            "count": self.count,
            "metric": "cosine",
            "generation": self.generation,
            "files": self.files,
            "params": self.params,
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _generations_present(directory: Path) -> set[int]:
    found = set()
    for entry in directory.iterdir():
        match = _DATA_FILE.match(entry.name.removesuffix(".tmp"))
        if match:
            found.add(int(match.group(1)))
    return found


def save_directory(
    directory: str | Path,
    kind: IndexKind,
    dim: int,
    count: int,
    params: dict[str, Any],
    writers: Writers,
) -> IndexMeta:
    """Write a new generation of the index into `directory` and commit it atomically."""
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise IndexFileError(f"{folder}: cannot create index directory ({error})") from error
    generation = max(_generations_present(folder) | {_current_generation(folder)}) + 1
    files: dict[str, str] = {}
    for role, (extension, write) in writers.items():
        name = f"{role}-{generation:06d}.{extension}"
        temporary = folder / (name + ".tmp")
        write(temporary)
        _fsync_file(temporary)
        os.replace(temporary, folder / name)
        files[role] = name
    meta = IndexMeta(kind, dim, count, params, files, generation)
    temporary = folder / (META_NAME + ".tmp")
    temporary.write_text(json.dumps(meta.as_json(), indent=2) + "\n", encoding="utf-8")
    _fsync_file(temporary)
    os.replace(temporary, folder / META_NAME)  # the commit point
    _fsync_dir(folder)
    _remove_other_generations(folder, set(files.values()))
    log.debug("saved %s index of %d vectors to %s (generation %d)", kind, count, folder, generation)
    return meta


def _current_generation(folder: Path) -> int:
    try:
        return read_meta(folder).generation
    except IndexFileError:
        return 0


def _remove_other_generations(folder: Path, keep: set[str]) -> None:
    for entry in folder.iterdir():
        stem = entry.name.removesuffix(".tmp")
        stale = entry.name.endswith(".tmp") or (_DATA_FILE.match(stem) and entry.name not in keep)
        if stale and entry.is_file():
            try:
                entry.unlink()
            except OSError as error:  # harmless: the next save tries again
                log.warning("could not remove old index file %s: %s", entry, error)


def read_meta(directory: str | Path) -> IndexMeta:
    folder = Path(directory)
    path = folder / META_NAME
    if not path.is_file():
        raise IndexFileError(f"{folder}: no vector index here ({META_NAME} missing)")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexFileError(f"{path}: unreadable ({error})") from error
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise IndexFileError(f"{path}: not a citywatch vector index")
    version = raw.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise IndexFileError(
            f"{path}: format version {version!r}; this citywatch reads up to {VERSION}"
        )
    kind = raw.get("kind")
    if kind not in KINDS:
        raise IndexFileError(f"{path}: unknown index kind {kind!r}")
    try:
        meta = IndexMeta(
            kind=kind,
            dim=int(raw["dim"]),
            count=int(raw["count"]),
            params=dict(raw.get("params") or {}),
            files={str(k): str(v) for k, v in dict(raw["files"]).items()},
            generation=int(raw.get("generation", 0)),
            version=version,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise IndexFileError(f"{path}: malformed metadata ({error!r})") from error
    for name in meta.files.values():
        if "/" in name or not (folder / name).is_file():
            raise IndexFileError(f"{folder}: data file {name} named in {META_NAME} is missing")
    return meta


def check_loaded(meta: IndexMeta, directory: Path, dim: int, count: int) -> None:
    if dim != meta.dim or count != meta.count:
        raise IndexFileError(
            f"{directory}: data holds {count} vectors of dimension {dim}, "
            f"{META_NAME} says {meta.count} of dimension {meta.dim}"
        )

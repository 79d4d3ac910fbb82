"""Removing the files a deleted row pointed at (thumbnails, clips, evidence crops).

Paths in rows are relative to the data directory; anything that resolves outside it is
refused, so a crafted row cannot make a purge delete other files. Emptied day and camera
folders go too, up to (not including) `media/`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("citywatch.privacy")


@dataclass
class FileTally:
    files: int = 0
    bytes: int = 0
    missing: int = 0
    failed: int = 0

    def add(self, other: FileTally) -> None:
        self.files += other.files
        self.bytes += other.bytes
        self.missing += other.missing
        self.failed += other.failed


def media_path(data_dir: Path, relative: str) -> Path | None:
    """`relative` under the data directory, or None when it would leave it."""
    root = data_dir.resolve()
    target = (root / relative).resolve()
    if target == root or root not in target.parents:
        log.warning("not touching %s: outside the data directory", relative)
        return None
    return target


def remove_files(data_dir: Path, relatives: Iterable[str | None], dry_run: bool) -> FileTally:
    """Delete the files (or, dry run, only count them); returns how many and their size."""
    tally = FileTally()
    parents: set[Path] = set()
    for relative in relatives:
        if not relative:
            continue
        target = media_path(data_dir, relative)
        if target is None:
            tally.failed += 1
            continue
        try:
            size = target.stat().st_size
        except FileNotFoundError:
            tally.missing += 1
            continue
        except OSError as exc:
            log.warning("cannot read %s: %s", relative, exc.strerror or exc)
            tally.failed += 1
            continue
        if not dry_run:
            try:
                target.unlink()
            except FileNotFoundError:
                tally.missing += 1
                continue
            except OSError as exc:
                log.warning("cannot remove %s: %s", relative, exc.strerror or exc)
                tally.failed += 1
                continue
            parents.add(target.parent)
        tally.files += 1
        tally.bytes += size
    if parents:
        _prune_empty(data_dir.resolve() / "media", parents)
    return tally


def _prune_empty(stop: Path, folders: set[Path]) -> None:
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        current = folder
        while current != stop and stop in current.parents:
            try:
                os.rmdir(current)  # only succeeds when empty; a writer may have just added one
            except OSError:
                break
            current = current.parent

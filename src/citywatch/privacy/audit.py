"""`AuditLog`: who did what, when, in which case and why, in a chain that shows tampering.

Each entry's hash is SHA-256 over the previous entry's hash and the canonical JSON of the
entry's own fields (id and time included), so editing a row breaks its own hash and deleting
or reordering rows breaks the link of the entry after them. Deleting the *last* entries breaks
no link; to see that, the newest entry's id and hash are also kept outside the database, in
`audit_head.json` in the data directory (an attacker must then change both the database and
the data directory, which on PostgreSQL live on different machines). The head is written
after each commit and only ever moves forward, so it may lag a concurrent append but never
names an entry that is not committed.

Entries hold what a person needs to judge a use of the system (the query, the ids returned,
the case and purpose), never face images or embeddings: `record` refuses those.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from citywatch.store.audit import GENESIS_HASH, AuditEntry, AuditFilter, AuditRecords
from citywatch.store.repository import Store

HEAD_FILE = "audit_head.json"
OUTCOMES = frozenset({"ok", "refused", "failed"})
# A list of more floats than this in a detail looks like an embedding, not a query.
MAX_FLOAT_LIST = 16

_HEAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class BrokenEntry:
    id: int
    why: str

    def __str__(self) -> str:
        return f"entry {self.id}: {self.why}"


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_broken: BrokenEntry | None

    @property
    def intact(self) -> bool:
        return self.first_broken is None


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: AuditEntry) -> str:
    sealed = entry.sealed_fields()
    text = entry.prev_hash + canonical_json(sealed)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuditLog:
    """Appends to and checks the audit log of a `Store`. Safe to share between threads."""

    def __init__(self, store: Store, head_path: Path | None = None) -> None:
        self.records = AuditRecords(store)
        self.head_path = head_path if head_path is not None else store.data_dir / HEAD_FILE

    def record(
        self,
        actor: str,
        role: str | None,
        action: str,
        outcome: str = "ok",
        case_ref: str | None = None,
        purpose: str | None = None,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one entry; returns it with its id and hash."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome: {outcome!r} is not one of {sorted(OUTCOMES)}")
        _check_detail(detail or {}, "detail")
        fields = {
            "time": round(time.time(), 6),
            "actor": actor,
            "actor_role": role,
            "action": action,
            "outcome": outcome,
            "case_ref": case_ref,
            "purpose": purpose,
            "target": target,
            "detail": canonical_json(detail or {}),
        }
        entry = self.records.append(fields, entry_hash)
        self._advance_head(entry)
        return entry

    def entries(
        self, where: AuditFilter | None = None, limit: int = 100, offset: int = 0
    ) -> list[AuditEntry]:
        return self.records.entries(where, limit, offset)

    def count(self, where: AuditFilter | None = None) -> int:
        return self.records.count(where)

    def verify(self) -> ChainReport:
        """Walk the chain from the first entry; the first entry that does not hold, and why."""
        head = self._read_head()  # before the chain: it never names an uncommitted entry
        walk = _Walk()
        for entry in self.records.chain():
            if (broken := walk.step(entry)) is not None:
                return ChainReport(walk.count, broken)
        return ChainReport(walk.count, _check_head(head, walk.last, walk.seen))

    def export(self, out: Path | IO[str]) -> int:
        """Write every entry as JSON Lines, hashes included, so that an overseer can check the
        chain without the database; returns the number written."""
        if isinstance(out, Path):
            with out.open("w", encoding="utf-8") as stream:
                return self._export(stream)
        return self._export(out)

    def _export(self, stream: IO[str]) -> int:
        count = 0
        for entry in self.records.chain():
            line = entry.sealed_fields() | {"hash": entry.hash}
            stream.write(canonical_json(line) + "\n")
            count += 1
        return count

    def _advance_head(self, entry: AuditEntry) -> None:
        with _HEAD_LOCK:
            head = self._read_head()
            if head is not None and head[0] >= entry.id:
                return  # a later entry got there first
            temporary = self.head_path.with_name(f".{self.head_path.name}.{os.getpid()}.tmp")
            temporary.write_text(canonical_json({"id": entry.id, "hash": entry.hash}) + "\n")
            os.replace(temporary, self.head_path)

    def _read_head(self) -> tuple[int, str] | None:
        try:
            value = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(value["id"]), str(value["hash"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return (-1, "unreadable")


def verify_lines(lines: Iterator[str]) -> ChainReport:
    """Check an export (JSON Lines) without the database: the overseer's side."""
    walk = _Walk()
    for number, line in enumerate(lines, start=1):
        try:
            fields = json.loads(line)
            entry = AuditEntry(**fields)
        except (ValueError, TypeError):
            return ChainReport(walk.count, BrokenEntry(-1, f"line {number} is not an audit entry"))
        if (broken := walk.step(entry)) is not None:
            return ChainReport(walk.count, broken)
    return ChainReport(walk.count, None)


class _Walk:
    """A walk along the chain, entry by entry: what has held so far."""

    def __init__(self) -> None:
        self.expected = GENESIS_HASH  # the hash the next entry must name as its previous one
        self.seen: dict[str, int] = {}  # hash -> id of the entries that held
        self.count = 0
        self.last: AuditEntry | None = None

    def step(self, entry: AuditEntry) -> BrokenEntry | None:
        """Check the next entry; None when it holds (then it is counted), else why not."""
        if entry_hash(entry) != entry.hash:
            return BrokenEntry(entry.id, "edited: its fields do not match its hash")
        if entry.prev_hash != self.expected:
            if entry.prev_hash in self.seen:
                before = self.seen[entry.prev_hash]
                return BrokenEntry(
                    entry.id, f"reordered: it follows entry {before}, not the one before it"
                )
            return BrokenEntry(entry.id, "deleted: the entry before it is missing")
        self.seen[entry.hash] = entry.id
        self.expected = entry.hash
        self.count += 1
        self.last = entry
        return None


def _check_head(
    head: tuple[int, str] | None, last: AuditEntry | None, seen: dict[str, int]
) -> BrokenEntry | None:
    if head is None:
        if last is None:
            return None
        return BrokenEntry(last.id, f"the head file {HEAD_FILE} is missing")
    head_id, head_hash = head
    if head_id < 0:
        return BrokenEntry(last.id if last else 0, f"the head file {HEAD_FILE} is unreadable")
    if seen.get(head_hash) == head_id:
        return None  # the head is in the chain (entries after it were appended since)
    if last is None or last.id < head_id:
        end = "the log is empty" if last is None else f"the log ends at entry {last.id}"
        return BrokenEntry(head_id, f"deleted: {end}, the head records entry {head_id}")
    return BrokenEntry(head_id, "edited: it no longer has the hash the head records")


def _check_detail(value: Any, path: str) -> None:
    """Refuse pictures and embeddings: an audit entry says what was asked, not who was seen."""
    if isinstance(value, bytes | bytearray | memoryview) or hasattr(value, "__array__"):
        raise ValueError(f"{path}: audit entries must not hold images or embeddings")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_detail(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        floats = sum(isinstance(item, float) for item in value)
        if floats > MAX_FLOAT_LIST:
            raise ValueError(f"{path}: a list of {floats} numbers looks like an embedding")
        for index, item in enumerate(value):
            _check_detail(item, f"{path}[{index}]")

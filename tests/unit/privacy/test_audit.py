"""The hash-chained audit log: appends chain, and any edit, deletion or reordering of rows,
made behind its back in SQL, is found by `verify` and named."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from citywatch.privacy.audit import HEAD_FILE, AuditLog, verify_lines
from citywatch.store import Store, open_store
from citywatch.store.audit import GENESIS_HASH, AuditFilter


@pytest.fixture
def store(tmp_path: Path, backend_url: str | None) -> Iterator[Store]:
    opened = open_store(backend_url, tmp_path / "data", thumbnails=False)
    yield opened
    opened.close()


@pytest.fixture
def log(store: Store) -> AuditLog:
    return AuditLog(store)


def fill(log: AuditLog, count: int) -> list[int]:
    ids = []
    for n in range(count):
        entry = log.record(
            "ada",
            "investigator",
            "search.face",
            case_ref="2026-1",
            purpose="robbery at the gate",
            target=f"query {n}",
            detail={"camera": "gate", "sightings": [n, n + 1]},
        )
        ids.append(entry.id)
    return ids


def sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(statement), params)


def test_entries_chain_from_the_genesis_hash_and_verify_intact(log: AuditLog) -> None:
    ids = fill(log, 4)
    entries = sorted(log.entries(), key=lambda e: e.id)
    assert [e.id for e in entries] == ids
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    report = log.verify()
    assert report.intact and report.entries == 4 and report.first_broken is None


def test_an_empty_log_is_intact(log: AuditLog) -> None:
    report = log.verify()
    assert report.intact and report.entries == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "mallory"),
        ("actor_role", "admin"),
        ("action", "search.plates"),
        ("outcome", "refused"),
        ("case_ref", "2026-9"),
        ("purpose", "curiosity"),
        ("target", "someone else"),
        ("detail", '{"camera":"gate","sightings":[]}'),
        ("time", 1.5),
        ("prev_hash", "f" * 64),
        ("hash", "e" * 64),
    ],
)
@pytest.mark.parametrize("position", [0, 2, 4])
def test_editing_any_field_of_any_row_is_named(
    store: Store, log: AuditLog, column: str, value: object, position: int
) -> None:
    ids = fill(log, 5)
    sql(
        store,
        f"UPDATE audit_log SET {column} = :value WHERE id = :id",
        value=value,
        id=ids[position],
    )
    broken = log.verify().first_broken
    assert broken is not None
    assert broken.id == ids[position]
    assert broken.why.startswith("edited")


def test_deleting_a_middle_row_names_the_entry_after_the_gap(store: Store, log: AuditLog) -> None:
    ids = fill(log, 5)
    sql(store, "DELETE FROM audit_log WHERE id = :id", id=ids[2])
    report = log.verify()
    assert report.first_broken is not None
    assert report.first_broken.id == ids[3]
    assert "deleted" in report.first_broken.why
    assert report.entries == 2  # the intact prefix


def test_deleting_the_first_row_is_named(store: Store, log: AuditLog) -> None:
    ids = fill(log, 3)
    sql(store, "DELETE FROM audit_log WHERE id = :id", id=ids[0])
    broken = log.verify().first_broken
    assert broken is not None and broken.id == ids[1]


def test_deleting_the_last_rows_is_found_through_the_head_file(store: Store, log: AuditLog) -> None:
    ids = fill(log, 4)
    sql(store, "DELETE FROM audit_log WHERE id >= :id", id=ids[2])
    broken = log.verify().first_broken
    assert broken is not None
    assert broken.id == ids[3]
    assert broken.why == f"deleted: the log ends at entry {ids[1]}, the head records entry {ids[3]}"


def test_rewriting_the_whole_chain_after_an_edit_is_found_through_the_head(
    store: Store, log: AuditLog
) -> None:
    """An attacker who recomputes every hash still cannot match the head outside the database."""
    ids = fill(log, 3)
    head = (store.data_dir / HEAD_FILE).read_text()
    sql(store, "DELETE FROM audit_log")
    (store.data_dir / HEAD_FILE).unlink()
    forged = AuditLog(store)
    fill(forged, 3)
    (store.data_dir / HEAD_FILE).write_text(head)
    broken = forged.verify().first_broken
    assert broken is not None
    assert broken.id == ids[-1]
    assert broken.why == "edited: it no longer has the hash the head records"


def test_a_missing_head_file_is_reported(store: Store, log: AuditLog) -> None:
    ids = fill(log, 2)
    (store.data_dir / HEAD_FILE).unlink()
    broken = log.verify().first_broken
    assert broken is not None and broken.id == ids[-1] and "head file" in broken.why


def test_reordering_rows_is_named(store: Store, log: AuditLog) -> None:
    """Swapping two entries' contents (ids kept) breaks their hashes; moving an entry to a new
    id (its hash kept) breaks the link of the one it now follows."""
    ids = fill(log, 4)
    sql(store, "UPDATE audit_log SET id = :new WHERE id = :old", new=ids[-1] + 10, old=ids[1])
    broken = log.verify().first_broken
    assert broken is not None
    assert broken.id == ids[2]
    assert broken.why.startswith(("deleted", "reordered"))


def test_concurrent_appends_from_threads_keep_one_chain(log: AuditLog) -> None:
    errors: list[BaseException] = []

    def append_many() -> None:
        try:
            fill(log, 10)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=append_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = log.entries(limit=1000)
    assert len(entries) == 60
    assert len({e.prev_hash for e in entries}) == 60  # no two entries link to the same one
    report = log.verify()
    assert report.intact, report.first_broken
    assert report.entries == 60


def test_export_can_be_verified_offline_and_tampering_shows(log: AuditLog) -> None:
    fill(log, 3)
    out = io.StringIO()
    assert log.export(out) == 3
    lines = out.getvalue().splitlines()
    assert all("hash" in json.loads(line) for line in lines)
    assert verify_lines(iter(lines)).intact
    edited = json.loads(lines[1])
    edited["purpose"] = "something else"
    lines[1] = json.dumps(edited)
    broken = verify_lines(iter(lines)).first_broken
    assert broken is not None and broken.id == edited["id"]


def test_export_to_a_file(log: AuditLog, tmp_path: Path) -> None:
    fill(log, 2)
    out = tmp_path / "audit.jsonl"
    assert log.export(out) == 2
    assert verify_lines(iter(out.read_text().splitlines())).entries == 2


@pytest.mark.parametrize(
    "detail",
    [
        {"photo": b"\xff\xd8\xff"},
        {"query": {"embedding": np.zeros(512, dtype=np.float32)}},
        {"embedding": [0.1] * 128},
    ],
)
def test_images_and_embeddings_are_refused(log: AuditLog, detail: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="embedding|image"):
        log.record("ada", "admin", "search.face", detail=detail)
    assert log.count() == 0


def test_entries_filter_by_action_prefix_actor_and_case(log: AuditLog) -> None:
    fill(log, 2)
    log.record("bob", "admin", "watchlist.enrol", case_ref="2026-2", purpose="x")
    assert log.count(AuditFilter(action="search.")) == 2
    assert log.count(AuditFilter(action="watchlist.enrol")) == 1
    assert log.count(AuditFilter(actor="bob")) == 1
    assert [e.actor for e in log.entries(AuditFilter(case_ref="2026-2"))] == ["bob"]


def test_unknown_outcomes_are_refused(log: AuditLog) -> None:
    with pytest.raises(ValueError, match="outcome"):
        log.record("ada", "admin", "login", outcome="maybe")

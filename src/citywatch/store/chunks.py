"""Queries over long id lists, in chunks that keep each `IN (...)` under SQLite's limit.

    tracks = select_in(session, SightingRow.track_id, SightingRow.id, sighting_ids)
    delete_in(session, TrackRow, TrackRow.id, tracks)

Each helper runs one statement per chunk of `CHUNK` values inside the caller's session (and
transaction) and adds up what the chunks return; extra conditions (`*also`) apply to every chunk.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.orm import Session

CHUNK = 500  # ids per IN (...) list, under SQLite's bound-parameter limit
KEY_CHUNK = 100  # (camera, run, local id) keys per tuple IN (...), three parameters each


def select_in(session: Session, wanted: Any, column: Any, values: Iterable[Any]) -> set[Any]:
    """The non-null values of `wanted` in rows whose `column` is one of `values`."""
    values = list(values)
    found: set[Any] = set()
    for start in range(0, len(values), CHUNK):
        query = select(wanted).where(column.in_(values[start : start + CHUNK]))
        found.update(v for v in session.scalars(query) if v is not None)
    return found


def rows_in(session: Session, columns: tuple[Any, ...], key: Any, ids: list[Any]) -> list[Any]:
    """The `columns` of the rows whose `key` is one of `ids`."""
    rows: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        rows += session.execute(select(*columns).where(key.in_(ids[start : start + CHUNK]))).all()
    return rows


def count_in(session: Session, table: Any, column: Any, ids: list[Any], *also: Any) -> int:
    """How many rows of `table` have `column` in `ids` (and meet `also`)."""
    total = 0
    for start in range(0, len(ids), CHUNK):
        query = (
            select(func.count())
            .select_from(table)
            .where(column.in_(ids[start : start + CHUNK]), *also)
        )
        total += int(session.scalar(query) or 0)
    return total


def delete_in(session: Session, table: Any, column: Any, ids: list[Any], *also: Any) -> None:
    """Delete the rows of `table` whose `column` is one of `ids` (and that meet `also`)."""
    for start in range(0, len(ids), CHUNK):
        session.execute(delete(table).where(column.in_(ids[start : start + CHUNK]), *also))


def select_in_keys(
    session: Session, wanted: Any, columns: tuple[Any, ...], keys: Iterable[tuple[Any, ...]]
) -> set[Any]:
    """The values of `wanted` in rows whose `columns`, taken together, are one of `keys`."""
    key_list = sorted(keys)
    found: set[Any] = set()
    for start in range(0, len(key_list), KEY_CHUNK):
        query = select(wanted).where(tuple_(*columns).in_(key_list[start : start + KEY_CHUNK]))
        found.update(session.scalars(query))
    return found

"""Retention by whole days: on PostgreSQL, a day's sightings partition is dropped at once.

A day goes when every camera's sightings cutoff has passed the end of that day (so the
row-by-row purge would delete all of it anyway) and no case hold keeps a row in it; a day
with a held row is left to the row-by-row purge, which keeps that row. Before the drop, the
day's thumbnail paths and face-vector owners are read, so its files are removed and its
vectors leave the face index as they do for rows deleted one by one. Dropping a partition is
one catalogue change however many rows it holds, instead of millions of deletes (and the
vacuum after them).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import column, select, table, text
from sqlalchemy.orm import Session

from citywatch.privacy.media_files import remove_files
from citywatch.store.chunks import count_in
from citywatch.store.partitions import day_partitions, is_partitioned

if TYPE_CHECKING:
    from citywatch.privacy.retention import Held, Purger


def end_of(day: dt.date) -> float:
    """The Unix time at which `day` (UTC) ends."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return midnight.timestamp()


def drop_expired_days(purger: Purger, cameras: list[str], held: Held) -> None:
    cutoffs = [purger.cutoff("sightings", camera_id) for camera_id in cameras]
    if not cameras or any(cutoff is None for cutoff in cutoffs):
        return  # some camera keeps sightings forever: no day is past every cutoff
    boundary = min(c for c in cutoffs if c is not None)
    with purger.store.engine.connect() as connection:
        if not is_partitioned(connection):
            return
        days = day_partitions(connection)
    for day, name in sorted(days.items()):
        if end_of(day) > boundary:
            break
        _drop_day(purger, day, name, held)


def _drop_day(purger: Purger, day: dt.date, name: str, held: Held) -> None:
    partition = table(
        name,
        column("id"),
        column("camera_id"),
        column("thumbnail_path"),
        column("embedder"),
        column("embedding"),
    )
    report = purger.report
    with purger.store.engine.begin() as connection:
        with Session(bind=connection) as session:
            kept = count_in(session, partition, partition.c.id, sorted(held.sightings))
        if kept:
            return  # the row-by-row purge deletes the rest and keeps what is held
        rows = connection.execute(
            select(
                partition.c.camera_id,
                partition.c.thumbnail_path,
                partition.c.embedder,
                partition.c.embedding.is_not(None),
            )
        ).all()
        if not purger.dry_run:
            # sql-safe: a partition name read from the catalogue and matched to sightings_pYYYYMMDD
            connection.execute(text(f'DROP TABLE "{name}"'))
    report.partitions_dropped.append(day.isoformat())
    report.tables["sightings"].deleted += len(rows)
    for camera_id, _, embedder, has_vector in rows:
        deleted = report.cameras.setdefault(camera_id, {}).setdefault("deleted", {})
        deleted["sightings"] = deleted.get("sightings", 0) + 1
        if has_vector:
            report.face_vectors_deleted += 1
            purger.note_embedder(embedder)
    # After the commit, as for rows: a failed drop leaves its files in place with their rows.
    paths = [path for _, path, _, _ in rows]
    report.files.add(remove_files(purger.store.data_dir, paths, purger.dry_run))

"""`Store`: the one way the rest of citywatch writes and reads tracks, sightings and events.

Writes go through a buffer committed in batches (see `writer.py`); `close()` commits what is
buffered, so nothing is lost on a clean stop. Reads return small frozen values
(`readmodels.py`), never ORM rows bound to a session, and see this process's buffered writes.
Any number of threads may write and read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from citywatch.config.cameras import CameraConfig
from citywatch.config.storage import StorageConfig
from citywatch.core.errors import StoreError
from citywatch.core.records import Event, PlateRecord, Sighting, TrackAppearance, TrackRecord
from citywatch.core.redact import mask_url
from citywatch.store import convert
from citywatch.store.batch import PendingEvent, PendingSighting, PendingTrack, Thumb
from citywatch.store.engine import connect, prepare_data_dir, reason, shown
from citywatch.store.media import ThumbnailWriter, encode_thumbnail
from citywatch.store.partitions import DayPartitions
from citywatch.store.readmodels import (
    CameraInfo,
    EventInfo,
    SightingInfo,
    StoreCounts,
    TrackInfo,
)
from citywatch.store.schema import CameraRow, EventRow, SightingRow, TrackRow
from citywatch.store.writer import BatchWriter

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_BATCH_SIZE = 64
DEFAULT_MAX_AGE_S = 1.0
# While the database is unreachable the buffer grows; past this many rows the oldest go, so a
# long outage costs old records rather than all of the process's memory.
DEFAULT_MAX_PENDING_ROWS = 50_000


class Store:
    """Repository over an engine whose schema is at head; build it with `open_store`."""

    def __init__(
        self,
        engine: Engine,
        data_dir: Path,
        *,
        thumbnails: bool = True,
        thumbnail_size: int = 160,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_age_s: float = DEFAULT_MAX_AGE_S,
        max_pending_rows: int = DEFAULT_MAX_PENDING_ROWS,
    ) -> None:
        if batch_size < 1 or max_age_s < 0 or max_pending_rows < 1 or thumbnail_size < 1:
            raise ValueError(
                "need batch_size, max_pending_rows and thumbnail_size >= 1, and max_age_s >= 0"
            )
        self.data_dir = data_dir
        self.url = shown(engine.url)  # password masked
        # Where face vectors are searched (storage.vector_index): "auto", "memory", "pgvector".
        self.vector_index = "auto"
        self.pgvector_ef_search = 200  # HNSW candidates per search (storage.pgvector_ef_search)
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._thumbnail_size = thumbnail_size
        self._thumbnails = ThumbnailWriter(data_dir) if thumbnails else None
        self._writer = BatchWriter(
            self._sessions,
            self._thumbnails,
            url=self.url,
            batch_size=batch_size,
            max_age_s=max_age_s,
            max_pending_rows=max_pending_rows,
            partitions=DayPartitions.for_engine(engine),
        )
        self._disposed = False

    # -- life cycle ---------------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """The engine, for store modules that work on whole tables (retention, maintenance)."""
        return self._engine

    @property
    def closed(self) -> bool:
        return self._writer.closed

    @property
    def pending_rows(self) -> int:
        """Rows buffered and not yet committed."""
        return self._writer.pending_rows

    def close(self) -> None:
        """Commit everything buffered and release the database. Calling it again does nothing.

        Raises StoreError (after releasing the database) when the last batch cannot be stored.
        """
        try:
            self._writer.close()
        finally:
            if not self._disposed:
                self._disposed = True
                self._engine.dispose()

    # -- writes -------------------------------------------------------------------------------

    def upsert_camera(self, camera: CameraConfig) -> None:
        """Create or update the camera's row (committed at once: cameras change rarely)."""
        self._check_open()
        values: dict[str, Any] = {
            "name": camera.label,
            "source": mask_url(camera.source),
            "fps": float(camera.fps),
            "position_x": camera.position.x if camera.position else None,
            "position_y": camera.position.y if camera.position else None,
        }
        for attempt in range(2):
            try:
                with self._sessions.begin() as session:
                    now = time.time()
                    row = session.get(CameraRow, camera.id)
                    if row is None:
                        session.add(
                            CameraRow(id=camera.id, created_at=now, updated_at=now, **values)
                        )
                    elif any(getattr(row, k) != v for k, v in values.items()):
                        for key, value in values.items():
                            setattr(row, key, value)
                        row.updated_at = now
                break
            except IntegrityError as exc:
                # Another process inserted the same camera between get and commit: update it.
                if attempt == 1:
                    raise self._error(f"cannot save camera {camera.id}", exc) from exc
            except SQLAlchemyError as exc:
                raise self._error(f"cannot save camera {camera.id}", exc) from exc
        self._writer.known_cameras.add(camera.id)

    def save_track(
        self,
        track: TrackRecord,
        sightings: Sequence[Sighting] = (),
        appearance: TrackAppearance | None = None,
        plate: PlateRecord | None = None,
    ) -> None:
        """Buffer a finished track, its sightings, (people) its appearance, (vehicles) its plate.

        A track is named by (camera_id, run_id, local_id); saving it again replaces the earlier
        row and everything saved with it, so a retried save never duplicates.
        """
        self._check_open()
        pending = [
            PendingSighting(s, self._thumb(s.camera_id, s.first_seen, s.thumbnail))
            for s in sightings
        ]
        plate_thumb = None
        if plate is not None:
            plate_thumb = self._thumb(plate.camera_id, plate.time, plate.thumbnail)
        self._writer.add(PendingTrack(track, pending, appearance, plate, plate_thumb))

    def save_event(self, event: Event) -> None:
        """Buffer a rule event. Raises TypeError at once for values JSON cannot hold."""
        self._check_open()
        values = convert.plain_json(dict(event.values), "values")
        thumb = self._thumb(event.camera_id, event.time, event.thumbnail)
        self._writer.add(PendingEvent(event, values, thumb))

    def flush(self) -> None:
        """Commit everything buffered now. Raises StoreError if the database cannot be reached
        (the records stay buffered for the next try)."""
        self._writer.flush(blocking=True)

    def _thumb(self, camera_id: str, when: float, image: Any) -> Thumb | None:
        # Encoded on the caller's thread, outside any lock: the work is spread over the writers,
        # and the buffer holds a few kilobytes instead of a crop viewing a whole frame.
        if self._thumbnails is None or image is None:
            return None
        return Thumb(camera_id, float(when), encode_thumbnail(image, self._thumbnail_size))

    # -- reads --------------------------------------------------------------------------------

    def cameras(self) -> list[CameraInfo]:
        return self._read(select(CameraRow).order_by(CameraRow.id), convert.camera_info)

    def tracks(
        self,
        camera_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[TrackInfo]:
        """Tracks that started in [since, until), newest first."""
        query = select(TrackRow)
        if camera_id is not None:
            query = query.where(TrackRow.camera_id == camera_id)
        if since is not None:
            query = query.where(TrackRow.started_at >= since)
        if until is not None:
            query = query.where(TrackRow.started_at < until)
        query = query.order_by(TrackRow.started_at.desc(), TrackRow.id.desc())
        return self._read(_page(query, limit, offset), convert.track_info)

    def sightings(
        self,
        camera_id: str | None = None,
        kind: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[SightingInfo]:
        """Sightings first seen in [since, until), newest first."""
        query = select(SightingRow)
        if camera_id is not None:
            query = query.where(SightingRow.camera_id == camera_id)
        if kind is not None:
            query = query.where(SightingRow.kind == kind)
        if since is not None:
            query = query.where(SightingRow.first_seen >= since)
        if until is not None:
            query = query.where(SightingRow.first_seen < until)
        query = query.order_by(SightingRow.first_seen.desc(), SightingRow.id.desc())
        return self._read(_page(query, limit, offset), convert.sighting_info)

    def sightings_by_id(self, ids: Sequence[int]) -> list[SightingInfo]:
        """The sightings with these ids (any order; missing ids are left out)."""
        wanted = [int(i) for i in ids]
        found: list[SightingInfo] = []
        for start in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
            query = select(SightingRow).where(SightingRow.id.in_(wanted[start : start + 500]))
            found += self._read(query, convert.sighting_info)
        return found

    def events(
        self,
        camera_id: str | None = None,
        type: str | None = None,  # shadows the builtin, but it is the field's name in Event
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
        offset: int = 0,
        rule: str | None = None,
    ) -> list[EventInfo]:
        """Events that happened in [since, until), newest first."""
        query = select(EventRow)
        if camera_id is not None:
            query = query.where(EventRow.camera_id == camera_id)
        if type is not None:
            query = query.where(EventRow.type == type)
        if rule is not None:
            query = query.where(EventRow.rule == rule)
        if since is not None:
            query = query.where(EventRow.time >= since)
        if until is not None:
            query = query.where(EventRow.time < until)
        query = query.order_by(EventRow.time.desc(), EventRow.id.desc())
        return self._read(_page(query, limit, offset), convert.event_info)

    def event(self, event_id: int) -> EventInfo | None:
        found = self._read(select(EventRow).where(EventRow.id == event_id), convert.event_info)
        return found[0] if found else None

    def track_sightings(self, track_id: int, kind: str | None = None) -> list[SightingInfo]:
        """The sightings of one stored track (its body view is kind "object"), oldest first."""
        query = select(SightingRow).where(SightingRow.track_id == track_id)
        if kind is not None:
            query = query.where(SightingRow.kind == kind)
        query = query.order_by(SightingRow.first_seen, SightingRow.id)
        return self._read(query, convert.sighting_info)

    def counts(self) -> StoreCounts:
        def count(table: type[Any]) -> Any:
            return select(func.count()).select_from(table).scalar_subquery()

        query = select(count(CameraRow), count(TrackRow), count(SightingRow), count(EventRow))
        self._before_read()
        try:
            with self._sessions() as session:
                cameras, tracks, sightings, events = session.execute(query).one()
        except SQLAlchemyError as exc:
            raise self._error("cannot count rows", exc) from exc
        return StoreCounts(cameras=cameras, tracks=tracks, sightings=sightings, events=events)

    def _read(self, query: Select[Any], to_info: Callable[[Any], T]) -> list[T]:
        self._before_read()
        try:
            with self._sessions() as session:
                return [to_info(row) for row in session.scalars(query)]
        except SQLAlchemyError as exc:
            raise self._error("cannot read", exc) from exc

    def _before_read(self) -> None:
        self._check_open()
        # Reads see this process's own writes, including ones still buffered.
        try:
            self._writer.flush(blocking=True)
        except StoreError as exc:
            log.warning("%s; reading what is committed", exc)

    def _check_open(self) -> None:
        if self._writer.closed:
            raise StoreError("the store is closed")

    def _error(self, what: str, exc: BaseException) -> StoreError:
        return StoreError(f"{what} in database {self.url}: {reason(exc)}")


def _page(query: Select[Any], limit: int, offset: int) -> Select[Any]:
    if limit < 1 or offset < 0:
        raise ValueError(f"limit must be >= 1 and offset >= 0 (got limit={limit}, offset={offset})")
    return query.limit(limit).offset(offset)


def open_store(
    url: str | None,
    data_dir: Path,
    *,
    thumbnails: bool = True,
    thumbnail_size: int = 160,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    vector_index: str = "auto",
    pgvector_ef_search: int = 200,
) -> Store:
    """Open (creating or migrating as needed) the database at `url`, or SQLite at
    `<data_dir>/citywatch.db` when `url` is None, with media under `data_dir`.

    Raises StoreError, with one line naming the directory or the database (password masked)
    and the reason, when either cannot be used.
    """
    directory = prepare_data_dir(data_dir)
    engine = connect(url, directory)
    try:
        store = Store(
            engine,
            directory,
            thumbnails=thumbnails,
            thumbnail_size=thumbnail_size,
            batch_size=batch_size,
            max_age_s=max_age_s,
        )
        store.vector_index = vector_index
        store.pgvector_ef_search = pgvector_ef_search
        return store
    except BaseException:
        engine.dispose()
        raise


def open_store_from_config(config: StorageConfig, data_dir: Path) -> Store:
    return open_store(
        config.url,
        data_dir,
        thumbnails=config.thumbnails,
        thumbnail_size=config.thumbnail_size,
        vector_index=config.vector_index,
        pgvector_ef_search=config.pgvector_ef_search,
    )

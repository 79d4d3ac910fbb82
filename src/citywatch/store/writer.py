"""The write buffer: records wait in memory and are committed in batches.

A batch is committed when `batch_size` rows wait or the oldest has waited `max_age_s` (checked
on every write), or on `flush()`. Thumbnails are written to disk just before their batch is
committed, so a committed row never points at a file still to come.

Thread safety: one lock guards the buffer and is held only to append or swap, never across I/O;
a second serialises commits, so writers keep appending while a batch is being committed.

Failures are kept apart. A database that is unreachable or locked keeps the batch buffered for
a later try (up to `max_pending_rows`, then the oldest go). A record the database rejects (a bad
value) is dropped alone with an error logged, after its batch is retried one record at a time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from citywatch.core.errors import StoreError
from citywatch.store.batch import Pending, sighting_days, thumbnail_paths, write_batch
from citywatch.store.engine import reason
from citywatch.store.media import ThumbnailWriter
from citywatch.store.partitions import DayPartitions

log = logging.getLogger(__name__)

# After a failed commit, how long writes wait before trying again (flush() tries at once), so
# a down database does not cost every write a connection timeout.
RETRY_INTERVAL_S = 5.0


class _Unavailable(Exception):
    """The database could not be reached or was locked: worth retrying later, data intact."""

    def __init__(self, message: str, items: list[Pending]) -> None:
        super().__init__(message)
        self.message = message
        self.items = items


def is_transient(exc: BaseException) -> bool:
    """True for errors of the connection (worth a retry), not of the data."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class BatchWriter:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        thumbnails: ThumbnailWriter | None,
        *,
        url: str,
        batch_size: int,
        max_age_s: float,
        max_pending_rows: int,
        partitions: DayPartitions | None = None,
    ) -> None:
        self._sessions = sessions
        self._partitions = partitions  # PostgreSQL: day partitions made before their rows
        self._thumbnails = thumbnails
        self._url = url
        self._batch_size = batch_size
        self._max_age_s = max_age_s
        self._max_pending_rows = max_pending_rows

        self._buffer_lock = threading.Lock()
        self._commit_lock = threading.Lock()
        self._pending: list[Pending] = []
        self._pending_rows = 0
        self._oldest: float | None = None  # monotonic time the oldest buffered record came
        self._retry_at = 0.0  # monotonic time before which writes do not retry a failed commit
        self._closed = False
        # Cameras known to have a row, so a batch looks in the table only for new ids.
        self.known_cameras: set[str] = set()

    @property
    def pending_rows(self) -> int:
        with self._buffer_lock:
            return self._pending_rows

    def add(self, item: Pending) -> None:
        """Buffer `item`; commit the buffer if it is due. Raises StoreError once closed."""
        with self._buffer_lock:
            if self._closed:
                raise StoreError("the store is closed")
            self._pending.append(item)
            self._pending_rows += item.rows
            now = time.monotonic()
            if self._oldest is None:
                self._oldest = now
            due = now >= self._retry_at and (
                self._pending_rows >= self._batch_size or now - self._oldest >= self._max_age_s
            )
        if due:
            try:
                # Not blocking: if another thread is committing, it or the next write takes these.
                self.flush(blocking=False)
            except StoreError as exc:
                log.warning("%s; will retry", exc)

    def flush(self, *, blocking: bool = True) -> None:
        """Commit everything buffered. Raises StoreError if the database is unavailable; the
        records then stay buffered."""
        if not self._commit_lock.acquire(blocking=blocking):
            return
        try:
            with self._buffer_lock:
                batch, self._pending = self._pending, []
                self._pending_rows = 0
                self._oldest = None
            if not batch:
                return
            self._write_thumbnails(batch)
            try:
                self._commit(batch)
            except _Unavailable as exc:
                self._requeue(exc.items)
                raise StoreError(exc.message) from exc.__cause__
        finally:
            self._commit_lock.release()

    def close(self) -> None:
        """Refuse further writes and commit what is buffered; raises StoreError (counting the
        rows lost) when that last commit fails. Calling it again does nothing."""
        with self._buffer_lock:
            if self._closed:
                return
            self._closed = True  # from here on writes are refused, so this flush is the last
        try:
            self.flush(blocking=True)
        except StoreError as exc:
            with self._buffer_lock:
                lost, self._pending, self._pending_rows = self._pending, [], 0
            self._remove_thumbnails(thumbnail_paths(lost))  # no row will ever point at them
            rows = sum(i.rows for i in lost)
            raise StoreError(f"{exc}; {rows} buffered rows were not stored") from exc

    @property
    def closed(self) -> bool:
        return self._closed

    # -- inside the commit lock ---------------------------------------------------------------

    def _write_thumbnails(self, batch: list[Pending]) -> None:
        if self._thumbnails is None:
            return
        for item in batch:
            for thumb in item.thumbs:
                if thumb.jpeg is not None and thumb.path is None:
                    # On failure the writer warns, and the row is stored without a thumbnail.
                    thumb.path = self._thumbnails.write(thumb.camera_id, thumb.time, thumb.jpeg)
                    thumb.jpeg = None

    def _commit(self, batch: list[Pending]) -> None:
        """Store `batch` in one transaction, or record by record if the database rejects it."""
        try:
            replaced = self._transaction(batch)
        except Exception as exc:  # anything: one bad record must not cost the others theirs
            if is_transient(exc):
                raise self._unavailable(batch, exc) from exc
            log.warning(
                "a batch of %d records was rejected (%s); storing them one by one",
                len(batch),
                reason(exc),
            )
            replaced = self._commit_one_by_one(batch)
        self._remove_thumbnails(replaced)

    def _commit_one_by_one(self, batch: list[Pending]) -> list[str]:
        replaced: list[str] = []
        for index, item in enumerate(batch):
            try:
                replaced += self._transaction([item])
            except Exception as exc:
                if is_transient(exc):
                    raise self._unavailable(batch[index:], exc) from exc
                log.error("%s not stored: %s", item.describe(), reason(exc))
                self._remove_thumbnails(thumbnail_paths([item]))
        return replaced

    def _transaction(self, batch: list[Pending]) -> list[str]:
        if self._partitions is not None:
            self._partitions.ensure(sighting_days(batch))
        for attempt in range(2):
            try:
                with self._sessions.begin() as session:
                    return write_batch(session, batch, self.known_cameras)
            except DBAPIError as exc:
                # A camera row added in the failed transaction was rolled back with it.
                self.known_cameras.clear()
                # A pooled connection the server closed (restart, failover, idle timeout)
                # is only found out when used; the pool has now dropped it, so try once more.
                if not exc.connection_invalidated or attempt == 1:
                    raise
                log.info("database connection lost (%s); retrying with a new one", reason(exc))
            except Exception:
                self.known_cameras.clear()
                raise
        raise AssertionError("unreachable")

    def _unavailable(self, items: list[Pending], exc: BaseException) -> _Unavailable:
        rows = sum(i.rows for i in items)
        message = f"cannot write to database {self._url}: {reason(exc)} ({rows} rows kept)"
        return _Unavailable(message, items)

    def _requeue(self, items: list[Pending]) -> None:
        """Put records that could not be committed back in front of the buffer."""
        dropped: list[Pending] = []
        with self._buffer_lock:
            self._pending[:0] = items
            self._pending_rows += sum(i.rows for i in items)
            self._oldest = time.monotonic()
            self._retry_at = self._oldest + RETRY_INTERVAL_S
            while self._pending_rows > self._max_pending_rows and len(self._pending) > 1:
                oldest = self._pending.pop(0)
                self._pending_rows -= oldest.rows
                dropped.append(oldest)
        if dropped:
            self._remove_thumbnails(thumbnail_paths(dropped))
            log.error(
                "database unavailable too long: dropped the %d oldest buffered rows (limit %d)",
                sum(i.rows for i in dropped),
                self._max_pending_rows,
            )

    def _remove_thumbnails(self, paths: Iterable[str]) -> None:
        if self._thumbnails is not None:
            for path in paths:
                self._thumbnails.delete(path)

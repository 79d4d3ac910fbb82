"""The database tables as typed SQLAlchemy models.

The migrations in `store/migrations/versions/` create these tables; a unit test checks that the
models and the migrations agree, so a change here needs a new migration (see `migrations/env.py`).

Times are Unix seconds as double precision, the same on SQLite and PostgreSQL and the same unit
as the pipeline's records. `day` (UTC date of a row's first time) is stored separately and
indexed so that retention can drop whole days (and, on PostgreSQL, later whole partitions).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Constraint names fixed by convention, so migrations can refer to them and SQLite batch
# migrations (which recreate tables) keep the same names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT keys on PostgreSQL (a city's sightings outgrow 2^31 within years); INTEGER on SQLite,
# because only "INTEGER PRIMARY KEY" is SQLite's auto-incrementing rowid.
RowId = BigInteger().with_variant(Integer(), "sqlite")

# Without AUTOINCREMENT SQLite hands out the id of a deleted last row again; ids are referenced
# from outside the database (vector index, audit log), so they must never come back.
# PostgreSQL sequences never go back anyway.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}

CAMERA_ID_LENGTH = 64
RUN_ID_LENGTH = 64
IDENTITY_ID_LENGTH = 32


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {float: Double(), dict[str, Any]: JSON(), dt.date: Date()}


class CameraRow(Base):
    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(CAMERA_ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The source with any password masked: rows are read by the API and end up in exports.
    source: Mapped[str] = mapped_column(Text)
    fps: Mapped[float]
    position_x: Mapped[float | None]
    position_y: Mapped[float | None]
    created_at: Mapped[float]
    updated_at: Mapped[float]


class TrackRow(Base):
    __tablename__ = "tracks"
    __table_args__ = (
        # Tracker ids restart with each run; this triple names a track for good.
        UniqueConstraint("camera_id", "run_id", "local_id"),
        Index("ix_tracks_camera_started", "camera_id", "started_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    run_id: Mapped[str] = mapped_column(String(RUN_ID_LENGTH))
    local_id: Mapped[int] = mapped_column(Integer)
    class_id: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[float] = mapped_column(index=True)
    ended_at: Mapped[float]
    frames: Mapped[int] = mapped_column(Integer)
    # [[t, x, y], ...]: read whole with its track, never queried inside, so JSON is enough.
    path: Mapped[list[list[float]]] = mapped_column(JSON)


class SightingRow(Base):
    __tablename__ = "sightings"
    __table_args__ = (
        Index("ix_sightings_camera_first_seen", "camera_id", "first_seen"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    # SET NULL: a sighting kept as evidence (a case hold) may outlive its track's retention.
    track_id: Mapped[int | None] = mapped_column(
        RowId, ForeignKey("tracks.id", ondelete="SET NULL"), index=True
    )
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    kind: Mapped[str] = mapped_column(String(32))
    first_seen: Mapped[float] = mapped_column(index=True)
    last_seen: Mapped[float]
    best_time: Mapped[float]
    box_x: Mapped[float]
    box_y: Mapped[float]
    box_w: Mapped[float]
    box_h: Mapped[float]
    best_score: Mapped[float]
    thumbnail_path: Mapped[str | None] = mapped_column(String(512))
    day: Mapped[dt.date] = mapped_column(index=True)
    # Face sightings: the embedding (float32 bytes) and its model. The database is the source
    # of truth; the vector index that searches them is rebuilt from here when needed.
    embedder: Mapped[str | None] = mapped_column(String(64))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)


class WatchlistEntryRow(Base):
    """A person of interest: why they are enrolled, on what legal basis, by whom, until when."""

    __tablename__ = "watchlist_entries"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    enrolled_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[float]
    expires_at: Mapped[float] = mapped_column(index=True)
    removed_at: Mapped[float | None]


class WatchlistPhotoRow(Base):
    __tablename__ = "watchlist_photos"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("watchlist_entries.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(512))  # the enrolment photo, relative to data dir
    embedder: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    quality: Mapped[float]
    created_at: Mapped[float]


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_camera_time", "camera_id", "time"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    time: Mapped[float] = mapped_column(index=True)
    run_id: Mapped[str] = mapped_column(String(RUN_ID_LENGTH))
    track_local_id: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("watchlist_entries.id", ondelete="CASCADE"), index=True
    )
    distance: Mapped[float]
    threshold: Mapped[float]
    embedder: Mapped[str] = mapped_column(String(64))
    box_x: Mapped[float]
    box_y: Mapped[float]
    box_w: Mapped[float]
    box_h: Mapped[float]
    evidence_path: Mapped[str | None] = mapped_column(String(512))
    # A match is a candidate until a person confirms or rejects it (human review, later).
    review: Mapped[str] = mapped_column(String(16), default="pending")
    day: Mapped[dt.date] = mapped_column(index=True)


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_camera_time", "camera_id", "time"),
        Index("ix_events_type_time", "type", "time"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    time: Mapped[float] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(128))
    # "values" is an SQL keyword; SQLAlchemy quotes it on every backend.
    values: Mapped[dict[str, Any]]
    run_id: Mapped[str | None] = mapped_column(String(RUN_ID_LENGTH))
    track_local_id: Mapped[int | None] = mapped_column(Integer)
    thumbnail_path: Mapped[str | None] = mapped_column(String(512))
    clip_path: Mapped[str | None] = mapped_column(String(512))
    day: Mapped[dt.date] = mapped_column(index=True)


class IdentityRow(Base):
    """A person across cameras: the tracks the association (or an operator) took to be one.

    The id is made where the association runs (a UUID), not by the database, so records
    buffered for a batched write, or made on another node, can name it before it is stored.
    """

    __tablename__ = "identities"

    id: Mapped[str] = mapped_column(String(IDENTITY_ID_LENGTH), primary_key=True)
    first_seen: Mapped[float] = mapped_column(index=True)
    last_seen: Mapped[float]
    label: Mapped[str | None] = mapped_column(String(200))  # an operator's note, never a name guess


class TrackAppearanceRow(Base):
    """One person track's appearance: re-ID embedding, attributes, gait, and its identity."""

    __tablename__ = "track_appearances"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    track_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("tracks.id", ondelete="CASCADE"), unique=True
    )
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    started_at: Mapped[float] = mapped_column(index=True)
    identity_id: Mapped[str | None] = mapped_column(
        ForeignKey("identities.id", ondelete="SET NULL"), index=True
    )
    link_distance: Mapped[float | None]
    link_source: Mapped[str] = mapped_column(String(32))
    embedder: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    crops: Mapped[int] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any] | None]
    gait: Mapped[bytes | None] = mapped_column(LargeBinary)
    gait_quality: Mapped[float | None]
    day: Mapped[dt.date] = mapped_column(index=True)


class PlateReadRow(Base):
    """A vehicle track's voted licence plate; `text` normalised, searchable with wildcards."""

    __tablename__ = "plate_reads"
    __table_args__ = (Index("ix_plate_reads_camera_time", "camera_id", "time"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    track_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("tracks.id", ondelete="CASCADE"), unique=True
    )
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    time: Mapped[float] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(String(16))
    # The text with look-alikes folded (O->0, I->1): what searches compare, with SQL LIKE.
    text_key: Mapped[str] = mapped_column(String(16), index=True)
    confidence: Mapped[float]
    votes: Mapped[int] = mapped_column(Integer)
    box_x: Mapped[float]
    box_y: Mapped[float]
    box_w: Mapped[float]
    box_h: Mapped[float]
    vehicle_type: Mapped[str | None] = mapped_column(String(16))
    vehicle_colour: Mapped[str | None] = mapped_column(String(16))
    thumbnail_path: Mapped[str | None] = mapped_column(String(512))
    day: Mapped[dt.date] = mapped_column(index=True)


class PlateHotlistRow(Base):
    """A plate (or a wildcard pattern) to alert on: why, on what basis, by whom, until when."""

    __tablename__ = "plate_hotlist"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    pattern: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[float]
    expires_at: Mapped[float] = mapped_column(index=True)
    removed_at: Mapped[float | None]


class PlateAlertRow(Base):
    __tablename__ = "plate_alerts"
    __table_args__ = (Index("ix_plate_alerts_camera_time", "camera_id", "time"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    time: Mapped[float] = mapped_column(index=True)
    run_id: Mapped[str] = mapped_column(String(RUN_ID_LENGTH))
    track_local_id: Mapped[int] = mapped_column(Integer)
    hotlist_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("plate_hotlist.id", ondelete="CASCADE"), index=True
    )
    plate: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float]
    evidence_path: Mapped[str | None] = mapped_column(String(512))
    review: Mapped[str] = mapped_column(String(16), default="pending")
    day: Mapped[dt.date] = mapped_column(index=True)


USERNAME_LENGTH = 64
SHA256_HEX_LENGTH = 64


class UserRow(Base):
    """A person who signs in. Disabled, never deleted: the audit log names users by id."""

    __tablename__ = "users"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # Argon2id, encoded with its salt
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float]
    disabled_at: Mapped[float | None]


class SessionRow(Base):
    """A signed-in browser or script. Only the token's SHA-256 is kept: a leaked table signs
    nobody in."""

    __tablename__ = "sessions"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), unique=True)
    user_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float]
    expires_at: Mapped[float] = mapped_column(index=True)
    last_seen: Mapped[float]


class ApiKeyRow(Base):
    """A key for an integration, acting as its user. Revoked, not deleted, for the record."""

    __tablename__ = "api_keys"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(8))  # shown in lists, so a key can be recognised
    key_hash: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), unique=True)
    created_at: Mapped[float]
    last_used_at: Mapped[float | None]
    revoked_at: Mapped[float | None]


class ReviewRow(Base):
    """A person's decision on an alert (face or plate): confirmed or rejected, by whom, when.

    One decision per alert (the unique key makes a second one fail, even from two requests at
    once); the alert row's `review` column mirrors it for listing. No foreign key: `alert_id`
    names a row of `alerts` or of `plate_alerts` according to `kind`, and the decision stays
    on record after retention drops the alert.
    """

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("kind", "alert_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "face" or "plate"
    alert_id: Mapped[int] = mapped_column(RowId)
    decision: Mapped[str] = mapped_column(String(16))  # "confirmed" or "rejected"
    note: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[float] = mapped_column(index=True)


CASE_REF_LENGTH = 64


class CaseRow(Base):
    """An investigation: searches and enrolments are made within one, by its members."""

    __tablename__ = "cases"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    ref: Mapped[str] = mapped_column(String(CASE_REF_LENGTH), unique=True)  # e.g. "2026-0042"
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # "open" or "closed"
    created_by: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    created_at: Mapped[float]
    closed_at: Mapped[float | None]


class CaseMemberRow(Base):
    """An investigator assigned to a case (admins see every case)."""

    __tablename__ = "case_members"

    case_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    added_at: Mapped[float]


class AuditRow(Base):
    """One entry of the append-only audit log. `hash` is SHA-256 over the previous entry's hash
    and this entry's fields, so editing or deleting any row breaks the chain after it."""

    __tablename__ = "audit_log"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    time: Mapped[float] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # "ok", "refused", "failed"
    case_ref: Mapped[str | None] = mapped_column(String(CASE_REF_LENGTH), index=True)
    purpose: Mapped[str | None] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(Text)  # what was acted on, e.g. "camera gate"
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON: the query, the ids returned
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class HoldRow(Base):
    """A case's hold on a record: retention does not purge it while the hold stands."""

    __tablename__ = "holds"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "record_id"),
        Index("ix_holds_kind_record_id", "kind", "record_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(RowId, ForeignKey("cases.id", ondelete="CASCADE"))
    # "identity", "track", "sighting", "event", "plate_read", "face_alert", "plate_alert"
    kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    created_at: Mapped[float]
    released_at: Mapped[float | None]


class ErasureRow(Base):
    """An erasure carried out on request (GDPR Art. 17): who asked, on what basis, and the
    report of what was deleted (counts and ids, never the data itself)."""

    __tablename__ = "erasures"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(Text)  # how the person was found, e.g. "identity ab12"
    requested_by: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    requested_at: Mapped[float]
    legal_basis: Mapped[str] = mapped_column(Text)
    report: Mapped[str] = mapped_column(Text)  # JSON

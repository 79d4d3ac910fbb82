"""What the API's routes use: the store, the bus, the configuration and the models, made once.

Models load on first use (a face search needs the face pipeline, a plate search does not), so
`citywatch serve` starts quickly and a viewer-only deployment never loads them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citywatch.api.frames import LatestFrames
from citywatch.api.ratelimit import LoginLimiter
from citywatch.bus.local import LocalBus
from citywatch.config import CitywatchConfig
from citywatch.models import ModelRegistry
from citywatch.store import Store

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from citywatch.detect.base import Detector
    from citywatch.faces.pipeline import FacePipeline
    from citywatch.privacy.audit import AuditLog
    from citywatch.reid.base import PersonEmbedder
    from citywatch.search.face_index import FaceSightingIndex
    from citywatch.store.cases import CaseRecords
    from citywatch.store.users import UserRecords


@dataclass
class ApiServices:
    config: CitywatchConfig
    store: Store
    data_dir: Path
    bus: LocalBus
    registry: ModelRegistry
    # The file the configuration came from: camera edits are written back to it (None: not).
    config_path: Path | None = None
    secure_cookies: bool = False  # true behind HTTPS; loopback demo runs plain HTTP
    login_limiter: LoginLimiter = field(default_factory=LoginLimiter)
    password_hasher: PasswordHasher | None = None  # None: Argon2id defaults (tests pass cheaper)
    # Each camera's newest frame, fed by a pipeline running in this process (empty otherwise).
    frames: LatestFrames = field(default_factory=LatestFrames)
    _models: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    face_index_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def users(self) -> UserRecords:
        from citywatch.store.users import UserRecords

        return self._model("users", lambda: UserRecords(self.store, self.password_hasher))

    def audit(self) -> AuditLog:
        """The audit log: `record(actor, role, action, outcome, case_ref, purpose, target,
        detail)` appends one entry (see `access.audit` for the calling user's)."""
        from citywatch.privacy.audit import AuditLog

        return self._model("audit", lambda: AuditLog(self.store))

    def cases(self) -> CaseRecords:
        from citywatch.store.cases import CaseRecords

        return self._model("cases", lambda: CaseRecords(self.store))

    def faces(self) -> FacePipeline:
        from citywatch.faces.factory import create_face_pipeline

        return self._model("faces", lambda: create_face_pipeline(self.config.faces, self.registry))

    def share_faces(self, faces: FacePipeline) -> None:
        """Use the pipeline's face models (same configuration) instead of loading a second copy:
        they are safe to call from several threads, as every camera does."""
        with self._lock:
            self._models.setdefault("faces", faces)

    def person_embedder(self) -> PersonEmbedder:
        from citywatch.reid.factory import create_person_embedder

        return self._model("reid", lambda: create_person_embedder(self.config.reid, self.registry))

    def person_detector(self) -> Detector:
        """The configured person detector (blurring bodies in exports), loaded once."""
        from citywatch.detect import create_detector

        return self._model(
            "person-detector", lambda: create_detector(self.config.detector, self.registry)
        )

    def face_index(self) -> FaceSightingIndex:
        """The index over stored face sightings for the configured face embedder (not thread-
        safe: searches hold `face_index_lock`)."""
        from citywatch.search.face_index import FaceSightingIndex
        from citywatch.store.watchlists import FaceRecords

        name = self.faces().embedder.name  # before _model: its lock is not re-entrant
        return self._model(
            f"face-index:{name}",
            lambda: FaceSightingIndex(FaceRecords(self.store), name, self.data_dir),
        )

    def _model(self, name: str, build: Any) -> Any:
        with self._lock:
            if name not in self._models:
                self._models[name] = build()
            return self._models[name]

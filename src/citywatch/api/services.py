"""What the API's routes use: the store, the bus, the configuration and the models, made once.

Models load on first use (a face search needs the face pipeline, a plate search does not), so
`citywatch serve` starts quickly and a viewer-only deployment never loads them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citywatch.bus.local import LocalBus
from citywatch.config import CitywatchConfig
from citywatch.models import ModelRegistry
from citywatch.store import Store

if TYPE_CHECKING:
    from citywatch.faces.pipeline import FacePipeline
    from citywatch.reid.base import PersonEmbedder


@dataclass
class ApiServices:
    config: CitywatchConfig
    store: Store
    data_dir: Path
    bus: LocalBus
    registry: ModelRegistry
    secure_cookies: bool = False  # true behind HTTPS; loopback demo runs plain HTTP
    _models: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def faces(self) -> FacePipeline:
        from citywatch.faces.factory import create_face_pipeline

        return self._model("faces", lambda: create_face_pipeline(self.config.faces, self.registry))

    def person_embedder(self) -> PersonEmbedder:
        from citywatch.reid.factory import create_person_embedder

        return self._model("reid", lambda: create_person_embedder(self.config.reid, self.registry))

    def _model(self, name: str, build: Any) -> Any:
        with self._lock:
            if name not in self._models:
                self._models[name] = build()
            return self._models[name]

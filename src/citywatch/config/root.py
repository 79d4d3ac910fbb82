"""The whole configuration file."""

from __future__ import annotations

from pydantic import Field, model_validator

from citywatch.config.attributes import AttributesConfig
from citywatch.config.base import Section
from citywatch.config.bus import BusConfig
from citywatch.config.cameras import CameraConfig
from citywatch.config.cluster import ClusterConfig
from citywatch.config.faces import FacesConfig
from citywatch.config.gait import GaitConfig
from citywatch.config.outputs import OutputsConfig
from citywatch.config.pipeline import DetectorConfig, TrackerConfig
from citywatch.config.plates import PlatesConfig
from citywatch.config.reid import ReidConfig
from citywatch.config.retention import RetentionConfig
from citywatch.config.storage import StorageConfig


class SitePlan(Section):
    """The plan cameras are placed on: a size in plan units (metres, say) and an optional image."""

    name: str = "site"
    width: float = Field(default=100.0, gt=0)
    height: float = Field(default=100.0, gt=0)
    image: str | None = None


class CitywatchConfig(Section):
    site: SitePlan = SitePlan()
    model_dir: str | None = Field(
        default=None, description="folder of larger models; CITYWATCH_MODEL_DIR overrides"
    )
    detector: DetectorConfig = DetectorConfig()
    tracker: TrackerConfig = TrackerConfig()
    faces: FacesConfig = FacesConfig()
    reid: ReidConfig = ReidConfig()
    attributes: AttributesConfig = AttributesConfig()
    gait: GaitConfig = GaitConfig()
    plates: PlatesConfig = PlatesConfig()
    storage: StorageConfig = StorageConfig()
    outputs: OutputsConfig = OutputsConfig()
    bus: BusConfig = BusConfig()
    retention: RetentionConfig = RetentionConfig()
    cluster: ClusterConfig = ClusterConfig()
    cameras: list[CameraConfig] = []

    @model_validator(mode="after")
    def _cameras_consistent(self) -> CitywatchConfig:
        # Cross-references have no single field to hang on, so the message carries the path.
        ids = [c.id for c in self.cameras]
        for i, camera_id in enumerate(ids):
            if camera_id in ids[:i]:
                raise ValueError(f"cameras[{i}].id: {camera_id!r} is used by another camera")
        for i, camera in enumerate(self.cameras):
            for j, neighbour in enumerate(camera.neighbours):
                where = f"cameras[{i}].neighbours[{j}].camera"
                if neighbour.camera not in ids:
                    raise ValueError(f"{where}: unknown camera {neighbour.camera!r}")
                if neighbour.camera == camera.id:
                    raise ValueError(f"{where}: a camera cannot be its own neighbour")
        return self

    @model_validator(mode="after")
    def _cluster_shares_store_and_bus(self) -> CitywatchConfig:
        # Hosts on other nodes write and publish for the head: local files cannot be shared.
        if self.cluster.backend != "ray":
            return self
        url = self.storage.url or ""
        if not url.startswith(("postgresql", "postgres")):
            raise ValueError(
                "storage.url: cluster.backend ray needs a shared database: a postgresql:// URL"
            )
        if self.storage.vector_index == "memory":
            raise ValueError(
                "storage.vector_index: cluster.backend ray keeps face vectors in the shared "
                "database: use auto or pgvector"
            )
        if self.bus.backend != "redis":
            raise ValueError(
                "bus.backend: cluster.backend ray needs redis, so the hosts' alerts and events "
                "reach the head"
            )
        return self

    def camera(self, camera_id: str) -> CameraConfig:
        for camera in self.cameras:
            if camera.id == camera_id:
                return camera
        raise KeyError(camera_id)

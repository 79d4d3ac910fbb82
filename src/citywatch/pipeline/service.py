"""The camera pipeline as something started and stopped from outside.

`citywatch run` and `citywatch demo` start it and wait for files to end or a signal;
`citywatch serve` starts it beside the HTTP API, on the same store and bus, and stops it when
the server stops. The models load first (`load_models`), before the store opens, so a missing
model fails the start without touching the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from citywatch.bus.local import LocalBus
from citywatch.bus.outputs import Outputs, start_outputs
from citywatch.config import CitywatchConfig
from citywatch.detect.base import Detector
from citywatch.faces.pipeline import FacePipeline
from citywatch.models import ModelRegistry
from citywatch.pipeline.reid_stage import AttributeReader
from citywatch.pipeline.runner import PipelineRunner
from citywatch.reid.base import PersonEmbedder
from citywatch.store import Store

if TYPE_CHECKING:
    from pathlib import Path

    from citywatch.cluster.runner import ClusterRunner
    from citywatch.pipeline.live_frames import FrameSink
    from citywatch.plates.reader import PlateReader

log = logging.getLogger("citywatch.pipeline")

Prepare = Callable[[Store, FacePipeline | None], None]


@dataclass(frozen=True)
class Models:
    """What the configuration asks the pipeline to run, loaded once for all cameras."""

    detector: Detector
    faces: FacePipeline | None = None
    reid: PersonEmbedder | None = None
    attributes: AttributeReader | None = None
    plates: PlateReader | None = None


def load_models(
    config: CitywatchConfig, registry: ModelRegistry, detector: Detector | None = None
) -> Models:
    """Every model the configuration asks for; `detector` replaces the configured one (a
    cluster's camera hosts use the batching detector servers)."""
    from citywatch.attributes.reader import create_attribute_reader
    from citywatch.detect import create_detector
    from citywatch.faces.factory import create_face_pipeline
    from citywatch.reid.factory import create_person_embedder

    cameras = sum(1 for c in config.cameras if c.enabled)
    if detector is None:
        detector = create_detector(config.detector, registry, cameras)
    faces = create_face_pipeline(config.faces, registry) if config.faces.enabled else None
    reid = create_person_embedder(config.reid, registry) if config.reid.enabled else None
    attributes = None
    if reid is not None and config.attributes.enabled:  # read from the crops re-ID keeps
        attributes = create_attribute_reader(config.attributes, registry)
    plates = None
    if config.plates.enabled and detects_vehicles(config, registry):
        from citywatch.plates.reader import create_plate_reader

        plates = create_plate_reader(config.plates, registry)
    return Models(detector, faces, reid, attributes, plates)


def detects_vehicles(config: CitywatchConfig, registry: ModelRegistry) -> bool:
    """Plates are read on vehicle tracks: only worth loading when a vehicle model runs."""
    kinds = {"vehicle-detector", "person-vehicle-detector"}
    known = {spec.name: spec.kind for spec in registry.specs}
    if any(known.get(m) in kinds for m in [config.detector.model, *config.detector.extra_models]):
        return True
    classes = config.detector.onnx_class_map.values()
    return config.detector.backend == "onnx-yolo" and "vehicle" in classes


@dataclass
class RunningPipeline:
    runner: PipelineRunner | ClusterRunner
    outputs: Outputs

    def stop(self) -> None:
        """Stop the cameras (their open tracks are written out), then the outputs."""
        try:
            self.runner.stop()
        finally:
            self.outputs.stop(timeout=5.0)


def start_pipeline(
    config: CitywatchConfig,
    store: Store,
    models: Models,
    bus: LocalBus | None = None,
    before_start: Prepare | None = None,
    frames: FrameSink | None = None,
    model_dir: Path | None = None,
) -> RunningPipeline:
    """Start every enabled camera on `store`, publishing on `bus` (a new one when None): in
    this process, or with `cluster.backend: ray` on the cluster's camera hosts (which load
    their models from `model_dir`, else from their own settings)."""
    if before_start is not None:
        before_start(store, models.faces)
    if config.cluster.backend == "ray":
        return _start_cluster(config, store, bus or LocalBus(), models, model_dir, frames)
    runner = PipelineRunner(
        config,
        store,
        models.detector,
        models.faces,
        bus=bus,
        reid=models.reid,
        attributes=models.attributes,
        plates=models.plates,
        frames=frames,
    )
    # Outputs subscribe before cameras start, so nothing published is missed; a broker that
    # is configured but unreachable stops the start here, loudly.
    outputs = start_outputs(config.outputs, runner.bus)
    try:
        runner.start()
    except BaseException:
        runner.stop()
        outputs.stop(timeout=5.0)
        raise
    return RunningPipeline(runner, outputs)


def _start_cluster(
    config: CitywatchConfig,
    store: Store,
    bus: LocalBus,
    models: Models,
    model_dir: Path | None,
    frames: FrameSink | None,
) -> RunningPipeline:
    from citywatch.cluster.runner import ClusterRunner
    from citywatch.pipeline.runner import reid_threshold

    threshold = None if models.reid is None else reid_threshold(config, models.reid)
    runner = ClusterRunner(config, store, bus, model_dir, reid_threshold=threshold, frames=frames)
    outputs = start_outputs(config.outputs, bus)
    try:
        runner.start()
    except BaseException:
        outputs.stop(timeout=5.0)
        raise
    return RunningPipeline(runner, outputs)

"""Choose and build the detector a configuration asks for; say in the log which one runs."""

from __future__ import annotations

import logging
from pathlib import Path

from citywatch.config.pipeline import DetectorConfig
from citywatch.core.classes import ObjectClass
from citywatch.core.errors import ConfigError, ModelError
from citywatch.detect.base import Detector
from citywatch.models import ModelRegistry

log = logging.getLogger("citywatch.detect")

_DETECTOR_KINDS = {"person-detector", "person-vehicle-detector", "vehicle-detector"}


def _object_classes(labels: dict[int, str]) -> dict[int, ObjectClass]:
    """Keep the labels citywatch tracks (person, vehicle, bicycle); ignore the rest."""
    known = {c.name.lower(): c for c in ObjectClass}
    return {index: known[name] for index, name in labels.items() if name in known}


def _openvino(config: DetectorConfig, registry: ModelRegistry, concurrency: int) -> Detector:
    from citywatch.detect.openvino_ssd import OpenVinoSsdDetector

    spec = registry.spec(config.model)
    if spec.kind not in _DETECTOR_KINDS:
        raise ConfigError(
            f"detector.model: {config.model} is a {spec.kind}, not an object detector"
        )
    resolved = registry.require(config.model, config.precision)
    class_map = _object_classes(dict(spec.labels))
    return OpenVinoSsdDetector(
        resolved.xml,
        class_map,
        score_threshold=config.score_threshold,
        device=config.device,
        name=f"openvino:{spec.name}/{resolved.precision}",
        throughput=config.performance == "throughput"
        or (config.performance == "auto" and concurrency > 1),
    )


def _onnx(config: DetectorConfig) -> Detector:
    from citywatch.detect.onnx_yolo import OnnxYoloDetector

    class_map: dict[int, ObjectClass] = {}
    for index, name in config.onnx_class_map.items():
        try:
            class_map[index] = ObjectClass.parse(name)
        except ValueError as error:
            raise ConfigError(f"detector.onnx_class_map.{index}: {error}") from None
    return OnnxYoloDetector(
        Path(config.onnx_path or ""),
        class_map,
        input_size=config.onnx_input_size,
        score_threshold=config.score_threshold,
        nms_iou=config.nms_iou,
        layout=config.onnx_layout,
    )


def _fallback(config: DetectorConfig) -> Detector:
    from citywatch.detect.mediapipe_pose import MediapipePoseDetector

    return MediapipePoseDetector(score_threshold=max(config.score_threshold, 0.5))


def create_detector(
    config: DetectorConfig, registry: ModelRegistry, concurrency: int = 1
) -> Detector:
    """`concurrency`: how many frames callers will have in flight at once (cameras, or the
    look-ahead of file tracking); with more than one, a throughput-tuned model is faster."""
    if config.backend == "openvino":
        detector = _openvino(config, registry, concurrency)
    elif config.backend == "onnx-yolo":
        detector = _onnx(config)
    elif config.backend == "mediapipe":
        detector = _fallback(config)
    else:  # auto: the configured model when its files are there, else the packaged fallback
        try:
            detector = _openvino(config, registry, concurrency)
        except ModelError as missing:
            log.warning("%s", missing)
            log.warning(
                "falling back to the package-shipped mediapipe pose detector, which misses small "
                "people and people facing away; set CITYWATCH_MODEL_DIR for the real detector"
            )
            detector = _fallback(config)
    if config.extra_models:
        from citywatch.detect.composite import CompositeDetector

        extra = [
            _openvino(config.model_copy(update={"model": m}), registry, concurrency)
            for m in config.extra_models
        ]
        detector = CompositeDetector([detector, *extra])
    log.info("detector: %s", detector.name)
    return detector

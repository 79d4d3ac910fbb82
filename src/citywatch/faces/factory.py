"""Build the face stages a `FacesConfig` asks for, and say in the log which ones run."""

from __future__ import annotations

import logging

from citywatch.config.faces import FacesConfig
from citywatch.core.errors import ConfigError, ModelError
from citywatch.faces.base import Embedder, FaceDetector, Landmarker
from citywatch.faces.pipeline import FacePipeline, RegionSearch
from citywatch.faces.quality import QualityGate, QualityThresholds
from citywatch.models import ModelRegistry

log = logging.getLogger("citywatch.faces")

DLIB_LANDMARKS = "dlib-shape-predictor-5"
DLIB_EMBEDDER = "dlib-face-recognition-resnet-v1"


def create_face_detectors(
    config: FacesConfig, registry: ModelRegistry
) -> tuple[FaceDetector, FaceDetector]:
    """(detector for whole images, detector for person head regions).

    With the OMZ models: `region_detector_model` (face-detection-retail-0005) in person head
    regions, where it found 96 % of the small faces against face-detection-retail-0004's 90 %
    for 1.5 times the time (bench/faces_verify.py), or `detector_model` if it is absent; and
    `detector_model` (retail-0004, the fastest) on whole images, confirmed by dlib's HOG
    detector when `confirm` is on (alone it also finds frontal animal faces). Without the
    models: mediapipe full range for both.
    """
    from citywatch.faces import detectors

    backend = config.detector
    if backend == "auto":
        if registry.find(config.detector_model, config.precision) is not None:
            backend = "openvino"
        else:
            backend = "mediapipe"
            log.warning(
                "face detector %s is not in the model directory; using mediapipe's, which "
                "misses more small faces",
                config.detector_model,
            )
    if backend == "openvino":
        omz = _omz_detector(config, registry, config.detector_model, config.precision)
        region = omz
        wanted = config.region_detector_model
        if wanted and wanted != config.detector_model:
            if registry.find(wanted) is not None:
                # Its own default precision: the one named for the main detector may not exist.
                region = _omz_detector(config, registry, wanted, None)
            else:
                log.info("%s not in the model directory; head regions use %s", wanted, omz.name)
        if not config.confirm:
            return omz, region
        verifier = detectors.DlibHogFaceDetector(upsample=0)
        return detectors.ConfirmedFaceDetector(omz, verifier), region
    if backend == "dlib":
        hog = detectors.DlibHogFaceDetector(upsample=config.dlib_upsample)
        return hog, hog
    mediapipe = detectors.MediapipeFaceDetector(True, config.score_threshold)
    return mediapipe, mediapipe


def _omz_detector(
    config: FacesConfig, registry: ModelRegistry, model: str, precision: str | None
) -> FaceDetector:
    from citywatch.faces import detectors

    spec = registry.spec(model)
    if spec.kind != "face-detector" or spec.source != "omz":
        raise ConfigError(f"faces: {model} is not an OMZ face detector")
    resolved = registry.require(model, precision)
    return detectors.omz_face_detector(
        resolved.xml,
        score_threshold=config.score_threshold,
        device=config.device,
        name=f"openvino:{resolved.name}/{resolved.precision}",
    )


def create_embedder(config: FacesConfig, registry: ModelRegistry) -> tuple[Embedder, Landmarker]:
    """The embedder and the landmark model its alignment needs."""
    from citywatch.faces.embedders import DlibFaceEmbedder, OmzFaceEmbedder
    from citywatch.faces.landmarks import DlibLandmarks, OmzLandmarks

    backend = config.embedder
    if backend == "auto":
        try:
            registry.require(config.embedder_model, config.precision)
            registry.require(config.landmarks_model, config.precision)
            backend = "openvino"
        except ModelError as missing:
            log.warning("%s", missing)
            log.warning("falling back to dlib's ResNet face embedder (package-shipped, slower)")
            backend = "dlib"
    if backend == "openvino":
        embedder_files = registry.require(config.embedder_model, config.precision)
        landmark_files = registry.require(config.landmarks_model, config.precision)
        return (
            OmzFaceEmbedder(embedder_files.xml, device=config.device),
            OmzLandmarks(landmark_files.xml, device=config.device),
        )
    return (
        DlibFaceEmbedder(registry.package_file(DLIB_EMBEDDER)),
        DlibLandmarks(registry.package_file(DLIB_LANDMARKS)),
    )


def create_face_pipeline(
    config: FacesConfig | None, registry: ModelRegistry, threshold: float | None = None
) -> FacePipeline:
    """Detector, landmarks, embedder and quality gate from the configuration.

    `threshold` (e.g. from --threshold) beats `config.threshold`, which beats the
    configuration's per-model `thresholds`, which beat the embedder's measured default.
    """
    config = config or FacesConfig()
    embedder, landmarker = create_embedder(config, registry)
    detector, region_detector = create_face_detectors(config, registry)
    q = config.quality
    gate = QualityGate(
        QualityThresholds(
            min_size_px=q.min_size_px,
            good_size_px=q.good_size_px,
            min_sharpness=q.min_sharpness,
            max_yaw=q.max_yaw,
            max_pitch=q.max_pitch,
            min_score=q.min_score,
        )
    )
    pipeline = FacePipeline(
        detector,
        landmarker,
        embedder,
        gate=gate,
        threshold=_threshold(threshold, config, embedder.name),
        regions=RegionSearch(
            upscale_to=config.region_upscale_to, head_fraction=config.region_head_fraction
        ),
        region_detector=region_detector,
    )
    log.info(
        "faces: %s (same person at cosine distance <= %.3f)", pipeline.name, pipeline.threshold
    )
    return pipeline


def _threshold(given: float | None, config: FacesConfig, embedder: str) -> float | None:
    if given is not None:
        return given
    if config.threshold is not None:
        return config.threshold
    return config.thresholds.get(embedder)  # None: the embedder's own default

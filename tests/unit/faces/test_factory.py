"""Which face stages a configuration builds, and what happens when model files are missing."""

from __future__ import annotations

import logging

import pytest

from citywatch.config.faces import FacesConfig
from citywatch.core.errors import ConfigError, ModelError
from citywatch.faces.factory import create_face_pipeline
from citywatch.faces.pipeline import FacePipeline
from citywatch.faces.types import DLIB5, LANDMARKS
from citywatch.models import ModelRegistry


def test_with_the_model_directory_auto_picks_the_omz_models(omz):
    assert omz.embedder.name == "face-reidentification-retail-0095" and omz.embedder.dim == 256
    assert omz.landmarker.key == LANDMARKS == omz.embedder.aligner.key
    assert "confirmed by dlib:hog" in omz.detector.name
    assert omz.region_detector.name.startswith("openvino:face-detection-retail-0005")
    assert omz.threshold == omz.embedder.default_threshold == 0.51


def test_without_it_auto_falls_back_to_packaged_models_and_says_so(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="citywatch.faces")
    pipeline = create_face_pipeline(FacesConfig(threshold=0.06), ModelRegistry(tmp_path))
    assert pipeline.embedder.name == "dlib-face-recognition-resnet-v1"
    assert pipeline.embedder.dim == 128 and pipeline.landmarker.key == DLIB5
    assert pipeline.detector.name.startswith("mediapipe")
    assert pipeline.threshold == 0.06  # the configured threshold beats the model's default
    assert any("falling back" in r.message for r in caplog.records)


def test_asking_for_openvino_without_its_files_is_a_one_line_model_error(tmp_path):
    with pytest.raises(ModelError) as error:
        create_face_pipeline(FacesConfig(embedder="openvino"), ModelRegistry(tmp_path))
    assert "face-reidentification-retail-0095" in str(error.value)
    assert "\n" not in str(error.value)


def test_a_person_detector_is_not_a_face_detector(registry):
    with pytest.raises(ConfigError, match="not an OMZ face detector"):
        create_face_pipeline(
            FacesConfig(detector="openvino", detector_model="person-detection-0201"), registry
        )


def test_landmarks_must_be_in_the_layout_the_embedder_aligns_on(omz, tmp_path):
    dlib_only = create_face_pipeline(FacesConfig(), ModelRegistry(tmp_path))
    with pytest.raises(ConfigError, match="aligns on"):
        FacePipeline(omz.detector, dlib_only.landmarker, omz.embedder)


def test_unknown_configuration_keys_are_refused():
    with pytest.raises(ValueError, match="extra"):
        FacesConfig.model_validate({"embeder": "dlib"})

"""Which person embedder a configuration builds, and what happens when the model is missing."""

from __future__ import annotations

import logging

import pytest

from citywatch.config.reid import ReidConfig
from citywatch.core.errors import ConfigError, ModelError, UsageError
from citywatch.models import ModelRegistry
from citywatch.reid.factory import create_person_embedder


def test_without_the_model_auto_falls_back_to_colour_and_says_so(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="citywatch.reid")
    embedder = create_person_embedder(ReidConfig(), ModelRegistry(tmp_path))
    assert embedder.name == "colour-stripes"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("person-reidentification-retail-0287" in w and "colour" in w for w in warnings)


def test_no_model_directory_at_all_also_falls_back():
    assert create_person_embedder(ReidConfig(), ModelRegistry(None)).name == "colour-stripes"


def test_colour_asked_for_is_built_without_a_warning(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="citywatch.reid")
    embedder = create_person_embedder(ReidConfig(embedder="colour"), ModelRegistry(tmp_path))
    assert embedder.name == "colour-stripes" and not caplog.records


def test_openvino_without_its_files_is_a_one_line_model_error(tmp_path):
    with pytest.raises(ModelError) as error:
        create_person_embedder(ReidConfig(embedder="openvino"), ModelRegistry(tmp_path))
    message = str(error.value)
    assert "person-reidentification-retail-0287" in message and "\n" not in message


def test_a_model_of_another_kind_or_an_unknown_name_is_refused(tmp_path):
    registry = ModelRegistry(tmp_path)
    with pytest.raises(ConfigError, match="not an OMZ person re-ID model"):
        create_person_embedder(ReidConfig(model="person-detection-0201"), registry)
    with pytest.raises(UsageError, match="person-reidentification-retail-02"):
        create_person_embedder(ReidConfig(model="person-reidentification-retail-0277"), registry)

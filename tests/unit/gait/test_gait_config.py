import pytest
from pydantic import ValidationError

from citywatch.config.gait import GaitConfig
from citywatch.config.root import CitywatchConfig


def test_defaults_are_off_and_background():
    config = GaitConfig()
    assert config.enabled is False and config.method == "background"
    assert (config.height, config.width) == (64, 44)


def test_bad_values_name_the_key():
    with pytest.raises(ValidationError, match="max_cycle_s"):
        GaitConfig(min_cycle_s=1.2, max_cycle_s=1.0)
    with pytest.raises(ValidationError, match="method"):
        GaitConfig(method="optical-flow")
    with pytest.raises(ValidationError, match="extra"):
        CitywatchConfig.model_validate({"gait": {"enabeld": True}})

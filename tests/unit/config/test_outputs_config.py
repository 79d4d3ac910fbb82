from pathlib import Path

import pytest

from citywatch.config import load_config, parse_config
from citywatch.config.outputs import MqttConfig, OutputsConfig
from citywatch.core.errors import ConfigError

GOOD = """
outputs:
  webhooks:
    - url: https://hooks.example.org/citywatch
      secret: ${CW_TEST_HOOK_SECRET}
      topics: [alerts, events]
  mqtt:
    host: broker.local
    username: citywatch
    password: ${CW_TEST_MQTT_PASSWORD}
"""


def test_outputs_are_off_by_default():
    config = parse_config({})
    assert config.outputs == OutputsConfig()
    assert config.outputs.webhooks == [] and config.outputs.mqtt is None
    assert config.outputs.include_media_paths is False


def test_secrets_come_from_the_environment(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("CW_TEST_HOOK_SECRET", "a-long-enough-secret")
    monkeypatch.setenv("CW_TEST_MQTT_PASSWORD", "broker-password")
    path = tmp_path / "citywatch.yaml"
    path.write_text(GOOD, encoding="utf-8")
    outputs = load_config(path).outputs
    (hook,) = outputs.webhooks
    assert hook.secret == "a-long-enough-secret" and hook.topics == ["alerts", "events"]
    assert hook.max_attempts == 5 and hook.timeout_s == 5.0
    assert outputs.mqtt is not None and outputs.mqtt.password == "broker-password"
    assert outputs.mqtt.port == 1883 and outputs.mqtt.qos == 1
    assert outputs.mqtt.prefix == "citywatch" and not outputs.mqtt.tls


def test_an_unset_secret_names_its_key(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("CW_TEST_HOOK_SECRET", raising=False)
    monkeypatch.setenv("CW_TEST_MQTT_PASSWORD", "x")
    path = tmp_path / "citywatch.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"outputs\.webhooks\[0\]\.secret: environment"):
        load_config(path)


def test_defaults_of_each_output():
    assert MqttConfig(host="h").topics == ["alerts", "events", "plate_alerts", "counts"]
    hook = OutputsConfig.model_validate(
        {"webhooks": [{"url": "http://127.0.0.1:9/x", "secret": "s" * 16}]}
    ).webhooks[0]
    assert hook.topics == ["alerts", "events", "plate_alerts"]  # counts only when asked


HOOK = {"url": "https://example.org/hook", "secret": "s" * 16}


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"webhooks": [{**HOOK, "url": "ftp://example.org"}]}, "outputs.webhooks[0].url: must be"),
        ({"webhooks": [{**HOOK, "url": "http://h:99999/"}]}, "outputs.webhooks[0].url: not a URL"),
        (
            {"webhooks": [HOOK, {**HOOK, "secret": "short"}]},
            "outputs.webhooks[1].secret: String should have at least 16 characters",
        ),
        (
            {"webhooks": [{**HOOK, "topics": ["alerts", "alarms"]}]},
            "outputs.webhooks[0].topics[1]: Input should be 'alerts'",
        ),
        ({"webhooks": [{**HOOK, "max_attempts": 0}]}, "outputs.webhooks[0].max_attempts:"),
        (
            {"webhooks": [{**HOOK, "backoff_s": 10, "max_backoff_s": 1}]},
            "outputs.webhooks[0]: max_backoff_s must be at least backoff_s",
        ),
        ({"webhooks": [{**HOOK, "retries": 3}]}, "outputs.webhooks[0].retries: Extra inputs"),
        ({"mqtt": {"host": "h", "qos": 3}}, "outputs.mqtt.qos: Input should be 0, 1 or 2"),
        ({"mqtt": {"host": "h", "port": 0}}, "outputs.mqtt.port: Input should be greater"),
        ({"mqtt": {"host": "h", "prefix": "city/#"}}, "outputs.mqtt.prefix: must be topic"),
        ({"mqtt": {"host": "h", "prefix": "/city"}}, "outputs.mqtt.prefix: must be topic"),
        ({"mqtt": {"host": "h", "password": "p"}}, "outputs.mqtt: password is set but username"),
        ({"mqtt": {"host": "h", "ca_file": "ca.pem"}}, "outputs.mqtt: ca_file is set but tls"),
        ({"mqtt": {}}, "outputs.mqtt.host: Field required"),
        ({"mqtt": {"host": "h", "topic": "x"}}, "outputs.mqtt.topic: Extra inputs"),
        ({"webhook": []}, "outputs.webhook: Extra inputs are not permitted"),
    ],
)
def test_errors_name_the_key_path(outputs, message):
    with pytest.raises(ConfigError) as raised:
        parse_config({"outputs": outputs})
    assert message in str(raised.value)

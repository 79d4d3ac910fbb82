from pathlib import Path

import pytest

from citywatch.cli import main
from citywatch.config import load_config, parse_config
from citywatch.core.errors import ConfigError

GOOD = """
site: {name: campus, width: 200, height: 100}
detector: {model: person-detection-0201, score_threshold: 0.2}
cameras:
  - id: gate
    name: Main gate
    source: videos/gate.mp4
    fps: 5
    position: {x: 10, y: 20}
    neighbours: [{camera: hall, transit_s: [5, 60]}]
    zones: [{name: door, polygon: [[0, 0], [100, 0], [100, 50]]}]
  - id: hall
    source: rtsp://user:${CW_TEST_PASSWORD}@10.0.0.5/stream
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cameras.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads_with_paths_resolved_and_env_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("CW_TEST_PASSWORD", "s3cret")
    config = load_config(write(tmp_path, GOOD))
    gate, hall = config.cameras
    assert gate.source == str(tmp_path / "videos/gate.mp4")
    assert gate.neighbours[0].transit_s == (5, 60)
    assert hall.source == "rtsp://user:s3cret@10.0.0.5/stream"
    assert hall.fps == 5.0 and gate.label == "Main gate" and hall.label == "hall"
    assert config.detector.score_threshold == 0.2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"cameras": [{"id": "a", "source": "x", "fps": 0}]},
            "cameras[0].fps: Input should be greater than 0",
        ),
        (
            {"cameras": [{"id": "a", "source": "x", "fpz": 1}]},
            "cameras[0].fpz: Extra inputs are not permitted",
        ),
        ({"detectr": {}}, "detectr: Extra inputs are not permitted"),
        ({"cameras": [{"id": "Bad Id", "source": "x"}]}, "cameras[0].id: must be lower-case"),
        (
            {"cameras": [{"id": "a", "source": "x"}, {"id": "a", "source": "y"}]},
            "cameras[1].id: 'a' is used",
        ),
        (
            {
                "cameras": [
                    {"id": "a", "source": "x", "neighbours": [{"camera": "b", "transit_s": [1, 2]}]}
                ]
            },
            "cameras[0].neighbours[0].camera: unknown camera 'b'",
        ),
        (
            {
                "cameras": [
                    {"id": "a", "source": "x", "neighbours": [{"camera": "a", "transit_s": [3, 2]}]}
                ]
            },
            "cameras[0].neighbours[0].transit_s: must be [shortest, longest]",
        ),
        (
            {
                "cameras": [
                    {
                        "id": "a",
                        "source": "x",
                        "zones": [{"name": "z", "polygon": [[0, 0], [1, 1]]}],
                    }
                ]
            },
            "cameras[0].zones[0].polygon",
        ),
        (
            {"tracker": {"low_threshold": 0.6, "high_threshold": 0.5}},
            "tracker: low_threshold must not exceed",
        ),
        ({"detector": {"backend": "onnx-yolo"}}, "detector: backend onnx-yolo needs onnx_path"),
        ([1, 2], "top level must be a mapping"),
    ],
)
def test_bad_values_name_the_key_path(data, message):
    with pytest.raises(ConfigError) as error:
        parse_config(data, origin="c.yaml")
    text = str(error.value)
    assert text.startswith("c.yaml: ") and message in text and "\n" not in text


def test_missing_env_var_and_bad_yaml_and_missing_file(tmp_path, monkeypatch):
    monkeypatch.delenv("CW_TEST_PASSWORD", raising=False)
    with pytest.raises(
        ConfigError, match=r"cameras\[1\].source: environment variable CW_TEST_PASSWORD"
    ):
        load_config(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="invalid YAML at line 3, column 1"):
        load_config(write(tmp_path, "cameras:\n  - id: [unclosed\n"))
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.yaml")


def test_cli_exits_2_with_one_line_for_a_bad_config(tmp_path, capsys):
    path = write(tmp_path, "cameras:\n  - id: a\n    source: x\n    fps: -1\n")
    code = main(["track", "x.mp4", "--out", str(tmp_path / "o.txt"), "--config", str(path)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "cameras[0].fps" in err and str(path) in err


def test_face_thresholds_are_per_model_with_one_override(tmp_path):
    from citywatch.faces.factory import create_face_pipeline
    from citywatch.models import ModelRegistry

    config = parse_config({"faces": {"thresholds": {"dlib-face-recognition-resnet-v1": 0.09}}})
    assert parse_config({}).faces.thresholds["face-reidentification-retail-0095"] == 0.51
    # an empty model directory: the package-shipped dlib embedder runs, with its configured value
    pipeline = create_face_pipeline(config.faces, ModelRegistry(tmp_path))
    assert (
        pipeline.embedder.name == "dlib-face-recognition-resnet-v1" and pipeline.threshold == 0.09
    )
    override = parse_config({"faces": {"threshold": 0.2}})
    assert create_face_pipeline(override.faces, ModelRegistry(tmp_path)).threshold == 0.2

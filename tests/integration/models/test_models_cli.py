"""`citywatch models list|verify|pull` through the real command, against ../shared/models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from citywatch.cli import main
from citywatch.models import MODEL_DIR_ENV, builtin_specs

SMALL = "landmarks-regression-retail-0009"
Capture = pytest.CaptureFixture[str]


@pytest.fixture(autouse=True)
def no_model_dir_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL_DIR_ENV, raising=False)


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("citywatch: error:")]


def test_list_json_is_one_object_per_model(model_dir: Path, capsys: Capture) -> None:
    assert main(["models", "list", "--json", "--model-dir", str(model_dir)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["name"] for r in rows] == [s.name for s in builtin_specs()]
    omz = [r for r in rows if r["source"] == "omz"]
    assert all(r["status"] == "present" for r in omz)
    detector = next(r for r in omz if r["name"] == "person-detection-retail-0013")
    assert detector["present_precisions"] == ["FP16-INT8", "FP16"]
    assert detector["path"] == str(model_dir / "omz" / detector["name"] / "FP16-INT8")
    pose = next(r for r in rows if r["name"] == "mediapipe-pose-detection")
    assert pose["status"] == "present" and pose["path"].endswith("pose_detection.tflite")


def test_list_table_without_a_model_directory(capsys: Capture) -> None:
    assert main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "PRECISIONS", "STATUS", "WHERE"]
    row = next(line for line in lines if line.startswith("face-detection-retail-0004 "))
    assert row.split()[1:4] == ["face-detector", "FP16,FP16-INT8*", "absent"]
    assert row.endswith("citywatch models pull face-detection-retail-0004")


def test_environment_and_config_supply_the_model_directory(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    config = tmp_path / "citywatch.yaml"
    config.write_text(f"model_dir: {model_dir}\n")
    assert main(["models", "list", "--json", "--config", str(config)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert next(r for r in rows if r["name"] == SMALL)["status"] == "present"

    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "empty"))  # env beats the config file
    assert main(["models", "list", "--json", "--config", str(config)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert next(r for r in rows if r["name"] == SMALL)["status"] == "absent"

    monkeypatch.setenv(MODEL_DIR_ENV, str(model_dir / "omz"))  # the omz folder itself
    assert main(["models", "list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert next(r for r in rows if r["name"] == SMALL)["status"] == "present"


def test_verify_the_shared_models(model_dir: Path, capsys: Capture) -> None:
    assert main(["models", "verify", "--model-dir", str(model_dir)]) == 0
    out = capsys.readouterr().out
    assert out.count("\nok ") + out.startswith("ok ") >= 36
    assert "mismatch" not in out


def test_verify_a_tampered_copy_exits_1_naming_the_file(
    model_dir: Path, tmp_path: Path, capsys: Capture
) -> None:
    copy = tmp_path / "omz" / SMALL / "FP16"
    shutil.copytree(model_dir / "omz" / SMALL / "FP16", copy)
    bad = copy / f"{SMALL}.xml"
    bad.write_bytes(bad.read_bytes().replace(b"<net", b"<NET", 1))
    assert main(["models", "verify", "--json", "--model-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    [line] = error_lines(captured.err)
    assert f"{bad}: sha256 mismatch (expected " in line
    statuses = {json.loads(x)["status"] for x in captured.out.splitlines()}
    assert statuses >= {"ok", "mismatch", "absent"}


def test_verify_named_absent_model_fails(tmp_path: Path, capsys: Capture) -> None:
    assert main(["models", "verify", SMALL, "--model-dir", str(tmp_path)]) == 1
    [line] = error_lines(capsys.readouterr().err)
    assert f"{SMALL}.xml is missing" in line and "(and 1 more)" in line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["models", "verify", "person-detection"], "unknown model 'person-detection'; close names"),
        (["models", "verify", "--model-dir", "/nonexistent/dir"], "does not exist"),
        (["models", "pull", SMALL], "no model directory to pull into"),
        (["models", "pull", "mediapipe-pose-detection", "--model-dir", "/tmp"], "nothing to pull"),
        (["models", "pull", SMALL, "--model-dir", "/tmp", "--mirror", "ftp://x"], "unsupported"),
        (["models", "list", "--config", "/nonexistent.yaml"], "configuration file not found"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    argv: list[str], message: str, capsys: Capture
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    [line] = error_lines(err)
    assert message in line
    assert "Traceback" not in err

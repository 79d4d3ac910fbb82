"""`pull` over real HTTP from a local server serving ../shared/models, and from a bad mirror."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from models_http_server import serve_folder

from citywatch.cli import main
from citywatch.core import ModelError
from citywatch.models import ModelRegistry

SMALL = "landmarks-regression-retail-0009"  # 0.4 MB
Capture = pytest.CaptureFixture[str]
TWO_PRECISIONS = "face-detection-retail-0004"  # FP16 and FP16-INT8, 2 MB together


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def shared_mirror(model_dir: Path):
    with serve_folder(model_dir) as url:
        yield url


def test_pull_real_models_over_http_then_verify(shared_mirror: str, tmp_path: Path) -> None:
    target = tmp_path / "models"
    reg = ModelRegistry(target)
    results = reg.pull([SMALL, TWO_PRECISIONS], mirror=shared_mirror)
    assert {(r.model, r.precision) for r in results} == {
        (SMALL, "FP16"),
        (TWO_PRECISIONS, "FP16-INT8"),  # the registry default
    }
    assert all(r.action == "downloaded" for r in results)
    assert all(r.source.startswith(shared_mirror + "/omz/") for r in results)
    results += reg.pull([TWO_PRECISIONS], mirror=shared_mirror, precision="FP16")

    checked = reg.verify([SMALL, TWO_PRECISIONS])
    assert [r.status for r in checked] == ["ok"] * 6
    assert files_under(target) == sorted(str(r.path.relative_to(target)) for r in results)
    assert reg.require(TWO_PRECISIONS).precision == "FP16-INT8"

    again = reg.pull([SMALL, TWO_PRECISIONS], mirror=shared_mirror, precision="all")
    assert {r.action for r in again} == {"present"}


@pytest.fixture
def tampered_mirror(model_dir: Path, tmp_path: Path):
    """A copy of one model whose .bin has one byte changed."""
    root = tmp_path / "mirror"
    source = model_dir / "omz" / SMALL / "FP16"
    copy = root / "omz" / SMALL / "FP16"
    shutil.copytree(source, copy)
    weights = copy / f"{SMALL}.bin"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with serve_folder(root) as url:
        yield url


def test_a_tampered_mirror_fails_cleanly_leaving_no_file(
    tampered_mirror: str, tmp_path: Path
) -> None:
    reg = ModelRegistry(tmp_path / "models")
    with pytest.raises(ModelError) as error:
        reg.pull([SMALL], mirror=tampered_mirror)
    message = str(error.value)
    expected = reg.spec(SMALL).variant("FP16").files[1].sha256
    assert "\n" not in message
    assert message.startswith(f"{SMALL}.bin: sha256 mismatch")
    assert f"expected {expected}, got " in message
    folder = tmp_path / "models" / "omz" / SMALL / "FP16"
    assert sorted(p.name for p in folder.iterdir()) == [f"{SMALL}.xml"]  # no .bin, no .part
    assert reg.find(SMALL) is None


def test_a_mirror_without_the_model_answers_404(tampered_mirror: str, tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "models")
    with pytest.raises(ModelError, match=r"HTTP 404"):
        reg.pull(["vehicle-detection-0201"], mirror=tampered_mirror)
    assert files_under(tmp_path / "models") == []


def test_cli_pull_and_verify(shared_mirror: str, tmp_path: Path, capsys: Capture) -> None:
    target = str(tmp_path / "m")
    assert main(["models", "pull", SMALL, "--model-dir", target, "--mirror", shared_mirror]) == 0
    assert capsys.readouterr().out == ""  # stdout is for listings only
    assert main(["models", "verify", SMALL, "--model-dir", target]) == 0
    assert capsys.readouterr().out.count("ok ") == 2


def test_cli_pull_from_a_tampered_mirror_is_one_line_and_exit_1(
    tampered_mirror: str, tmp_path: Path, capsys: Capture
) -> None:
    code = main(
        ["models", "pull", SMALL, "--model-dir", str(tmp_path / "m"), "--mirror", tampered_mirror]
    )
    err = capsys.readouterr().err
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("citywatch: error:")]
    assert len(errors) == 1 and "sha256 mismatch" in errors[0] and f"{SMALL}.bin" in errors[0]
    assert "Traceback" not in err
    assert not (tmp_path / "m" / "omz" / SMALL / "FP16" / f"{SMALL}.bin").exists()


def test_an_unreachable_mirror_is_a_one_line_model_error(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reg = ModelRegistry(tmp_path / "models")
    with pytest.raises(ModelError, match="download failed") as error:
        reg.pull([SMALL], mirror=f"http://127.0.0.1:{port}", timeout=2)
    assert "\n" not in str(error.value)
    assert files_under(tmp_path / "models") == []

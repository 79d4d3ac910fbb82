from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from toy_models import TOY, content, toy_spec, write_variant

from citywatch.core import ModelError, UsageError
from citywatch.models import ModelRegistry
from citywatch.models.download import check_mirror, fetch_file, mirror_source

DATA = b"model weights " * 1000
SHA = hashlib.sha256(DATA).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "net.bin"
    path.parent.mkdir()
    path.write_bytes(DATA)
    return path


class Recorder:
    def __init__(self, fail_after: int | None = None) -> None:
        self.events: list[tuple[str, object]] = []
        self.fail_after = fail_after
        self.seen = 0

    def start(self, label: str, total: int | None) -> None:
        self.events.append(("start", (label, total)))

    def advance(self, nbytes: int) -> None:
        self.seen += nbytes
        if self.fail_after is not None and self.seen > self.fail_after:
            raise KeyboardInterrupt  # like Ctrl-C halfway through
        self.events.append(("advance", nbytes))

    def finish(self) -> None:
        self.events.append(("finish", None))


# --- fetch_file --------------------------------------------------------------------------------


def test_fetch_writes_the_checked_file_and_nothing_else(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out" / "net.bin"
    progress = Recorder()
    fetch_file(str(source), dest, SHA, size=len(DATA), progress=progress)
    assert dest.read_bytes() == DATA
    assert stat.S_IMODE(dest.stat().st_mode) == 0o644
    assert leftovers(dest.parent) == ["net.bin"]
    assert progress.events[0] == ("start", ("net.bin", len(DATA)))
    assert progress.events[-1] == ("finish", None)
    assert sum(n for kind, n in progress.events if kind == "advance") == len(DATA)


def test_checksum_mismatch_names_file_and_hashes_and_leaves_nothing(
    source: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "out" / "net.bin"
    wrong = "0" * 64
    with pytest.raises(ModelError) as error:
        fetch_file(source.as_uri(), dest, wrong)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("net.bin: sha256 mismatch")
    assert f"expected {wrong}, got {SHA}" in message
    assert leftovers(dest.parent) == []


def test_a_failed_download_keeps_the_old_file(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "net.bin"
    dest.write_bytes(b"old")
    with pytest.raises(ModelError):
        fetch_file(str(source), dest, "1" * 64)
    assert dest.read_bytes() == b"old"
    assert leftovers(tmp_path) == ["net.bin", "src"]


def test_too_many_bytes_stop_the_download(source: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="more than the expected 100 bytes"):
        fetch_file(str(source), tmp_path / "o" / "net.bin", SHA, size=100)
    assert leftovers(tmp_path / "o") == []


def test_an_interrupted_download_leaves_no_partial_file(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "o" / "net.bin"
    with pytest.raises(KeyboardInterrupt):
        fetch_file(str(source), dest, SHA, progress=Recorder(fail_after=1))
    assert leftovers(dest.parent) == []


def test_a_missing_source_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        fetch_file(str(tmp_path / "nope.bin"), tmp_path / "o" / "x.bin", SHA)
    assert leftovers(tmp_path / "o") == []


# --- mirrors -----------------------------------------------------------------------------------


def test_mirror_locations_join_url_and_folder_alike(tmp_path: Path) -> None:
    assert mirror_source("http://h:8000/m/", "omz", "a b", "FP16", "a.xml") == (
        "http://h:8000/m/omz/a%20b/FP16/a.xml"
    )
    assert mirror_source(str(tmp_path), "omz", "a", "FP16", "a.xml") == str(
        tmp_path / "omz" / "a" / "FP16" / "a.xml"
    )


def test_unusable_mirrors_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unsupported scheme 'ftp'"):
        check_mirror("ftp://example.org/models")
    with pytest.raises(UsageError, match="is not a directory"):
        check_mirror(str(tmp_path / "absent"))
    check_mirror(str(tmp_path))
    check_mirror(tmp_path.as_uri())
    check_mirror("https://example.org/models")


# --- ModelRegistry.pull ------------------------------------------------------------------------


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    for precision in ("FP32", "FP16", "FP16-INT8"):
        write_variant(root / "omz", precision)
    return root


def test_pull_from_a_folder_mirror_then_skips_what_is_there(mirror: Path, tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "models", [toy_spec()])
    first = reg.pull([TOY], mirror=str(mirror))
    assert [(r.precision, r.path.name, r.action) for r in first] == [
        ("FP16-INT8", f"{TOY}.xml", "downloaded"),
        ("FP16-INT8", f"{TOY}.bin", "downloaded"),
    ]
    found = reg.find(TOY)
    assert found is not None and found.precision == "FP16-INT8"
    again = reg.pull(TOY, mirror=str(mirror))
    assert {r.action for r in again} == {"present"}


def test_pull_replaces_a_file_with_the_wrong_hash(mirror: Path, tmp_path: Path) -> None:
    folder = write_variant(tmp_path / "models" / "omz", "FP16")
    (folder / f"{TOY}.bin").write_bytes(b"corrupt")
    reg = ModelRegistry(tmp_path / "models", [toy_spec()])
    results = reg.pull([TOY], mirror=mirror.as_uri(), precision="fp16")
    assert [r.action for r in results] == ["present", "downloaded"]
    assert (folder / f"{TOY}.bin").read_bytes() == content("FP16", ".bin")
    assert not any(r.failed for r in reg.verify([TOY]))


def test_pull_all_precisions(mirror: Path, tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "models", [toy_spec()])
    reg.pull([TOY], mirror=str(mirror), precision="all")
    assert reg.present_precisions(TOY) == ("FP16-INT8", "FP32", "FP16")


def test_pull_uses_the_upstream_url_without_a_mirror(mirror: Path, tmp_path: Path) -> None:
    spec = toy_spec(base_url=(mirror / "omz").as_uri())
    reg = ModelRegistry(tmp_path / "models", [spec])
    [xml, _] = reg.pull([TOY], precision="FP32")
    assert xml.source == f"{(mirror / 'omz').as_uri()}/{TOY}/FP32/{TOY}.xml"
    assert reg.find(TOY, "FP32") is not None


def test_pull_into_the_omz_folder_itself(mirror: Path, tmp_path: Path) -> None:
    omz = tmp_path / "omz"
    omz.mkdir()
    reg = ModelRegistry(omz, [toy_spec()])
    [xml, _] = reg.pull([TOY], mirror=str(mirror))
    assert xml.path == omz / TOY / "FP16-INT8" / f"{TOY}.xml"


def test_pull_checks_every_name_before_fetching(mirror: Path, tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path / "models", [toy_spec()])
    with pytest.raises(UsageError, match="unknown model 'typo'"):
        reg.pull([TOY, "typo"], mirror=str(mirror))
    with pytest.raises(UsageError, match="no precision 'INT4'"):
        reg.pull([TOY], mirror=str(mirror), precision="INT4")
    with pytest.raises(UsageError, match="name at least one model"):
        reg.pull([], mirror=str(mirror))
    assert not (tmp_path / "models").exists()


def test_pull_needs_a_model_directory(mirror: Path) -> None:
    with pytest.raises(UsageError, match="no model directory to pull into"):
        ModelRegistry(None, [toy_spec()]).pull([TOY], mirror=str(mirror))


def test_pull_refuses_package_models(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path)
    with pytest.raises(UsageError, match="ships inside the Python package mediapipe"):
        reg.pull(["mediapipe-pose-detection"])


def test_a_mirror_missing_a_file_fails_cleanly(mirror: Path, tmp_path: Path) -> None:
    (mirror / "omz" / TOY / "FP16-INT8" / f"{TOY}.bin").unlink()
    reg = ModelRegistry(tmp_path / "models", [toy_spec()])
    with pytest.raises(ModelError, match=f"{TOY}.bin: not found"):
        reg.pull([TOY], mirror=str(mirror))
    folder = tmp_path / "models" / "omz" / TOY / "FP16-INT8"
    assert leftovers(folder) == [f"{TOY}.xml"]  # the good file stays; no partial .bin
    assert reg.find(TOY) is None

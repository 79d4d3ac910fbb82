from __future__ import annotations

from pathlib import Path

import pytest

from citywatch.models import MODEL_DIR_ENV, omz_root, resolve_model_dir


def test_environment_overrides_the_configured_directory(tmp_path: Path) -> None:
    resolved = resolve_model_dir("/from/config", {MODEL_DIR_ENV: str(tmp_path)})
    assert resolved is not None
    assert (resolved.path, resolved.origin) == (tmp_path, MODEL_DIR_ENV)


def test_blank_environment_falls_back_to_the_configuration() -> None:
    resolved = resolve_model_dir("/from/config", {MODEL_DIR_ENV: "  "})
    assert resolved is not None and resolved.path == Path("/from/config")
    assert "configuration" in resolved.origin


def test_nothing_configured_means_no_directory() -> None:
    assert resolve_model_dir(None, {}) is None
    assert resolve_model_dir("", {}) is None


def test_home_is_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    resolved = resolve_model_dir(None, {MODEL_DIR_ENV: "~/models"})
    assert resolved is not None and resolved.path == Path("/home/someone/models")


def test_omz_root_accepts_both_layouts(tmp_path: Path) -> None:
    nested = tmp_path / "models"
    (nested / "omz").mkdir(parents=True)
    assert omz_root(nested, ["m"]) == nested / "omz"

    named_omz = tmp_path / "x" / "omz"
    named_omz.mkdir(parents=True)
    assert omz_root(named_omz, ["m"]) == named_omz

    renamed = tmp_path / "zoo"
    (renamed / "m").mkdir(parents=True)
    assert omz_root(renamed, ["m"]) == renamed


def test_a_new_directory_gets_the_documented_layout(tmp_path: Path) -> None:
    assert omz_root(tmp_path / "fresh", ["m"]) == tmp_path / "fresh" / "omz"

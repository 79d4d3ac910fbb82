from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from toy_models import TOY, toy_spec, write_variant

from citywatch.core import ModelError, UsageError
from citywatch.models import MODEL_DIR_ENV, ModelRegistry, ModelSpec, PackageLocation


def registry(model_dir: Path | None, *specs: ModelSpec) -> ModelRegistry:
    return ModelRegistry(model_dir, specs or (toy_spec(),))


# --- precision choice --------------------------------------------------------------------------


def test_default_precision_is_chosen_when_present(tmp_path: Path) -> None:
    for precision in ("FP32", "FP16", "FP16-INT8"):
        write_variant(tmp_path / "omz", precision)
    found = registry(tmp_path).find(TOY)
    assert found is not None and found.precision == "FP16-INT8"
    assert found.xml == tmp_path / "omz" / TOY / "FP16-INT8" / f"{TOY}.xml"
    assert found.bin.name == f"{TOY}.bin" and found.path == found.xml


def test_first_present_in_catalog_order_when_the_default_is_absent(tmp_path: Path) -> None:
    write_variant(tmp_path / "omz", "FP16-INT8", suffixes=(".xml",))  # half a model: skipped
    write_variant(tmp_path / "omz", "FP16")
    write_variant(tmp_path / "omz", "FP32")
    found = registry(tmp_path).find(TOY)
    assert found is not None and found.precision == "FP32"


def test_without_a_default_the_first_present_wins(tmp_path: Path) -> None:
    write_variant(tmp_path / "omz", "FP16")
    found = registry(tmp_path, toy_spec(default=None)).find(TOY)
    assert found is not None and found.precision == "FP16"


def test_an_explicit_precision_wins_and_ignores_case(tmp_path: Path) -> None:
    for precision in ("FP16", "FP16-INT8"):
        write_variant(tmp_path / "omz", precision)
    reg = registry(tmp_path)
    found = reg.find(TOY, "fp16")
    assert found is not None and found.precision == "FP16"
    assert reg.find(TOY, "FP32") is None  # known precision, not on disk: no fallback
    assert reg.present_precisions(TOY) == ("FP16-INT8", "FP16")


def test_an_unknown_precision_is_a_usage_error_listing_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no precision 'INT4' \(known: FP32, FP16, FP16-INT8\)"):
        registry(tmp_path).find(TOY, "INT4")


def test_nothing_present_means_none(tmp_path: Path) -> None:
    assert registry(tmp_path).find(TOY) is None
    assert registry(None).find(TOY) is None


# --- model directory ---------------------------------------------------------------------------


def test_a_directory_that_is_the_omz_folder_works(tmp_path: Path) -> None:
    write_variant(tmp_path / "omz", "FP16")
    found = registry(tmp_path / "omz").find(TOY)
    assert found is not None and found.precision == "FP16"


def test_environment_variable_overrides_the_setting(tmp_path: Path) -> None:
    write_variant(tmp_path / "env" / "omz", "FP16")
    env = {MODEL_DIR_ENV: str(tmp_path / "env")}
    reg = ModelRegistry.from_settings(str(tmp_path / "config"), environ=env, specs=[toy_spec()])
    assert reg.model_dir == tmp_path / "env"
    assert reg.find(TOY) is not None


def test_environment_is_read_from_os_environ_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    assert ModelRegistry.from_settings("/elsewhere").model_dir == tmp_path
    monkeypatch.delenv(MODEL_DIR_ENV)
    assert ModelRegistry.from_settings("/elsewhere").model_dir == Path("/elsewhere")
    assert ModelRegistry.from_settings(None).model_dir is None


# --- errors ------------------------------------------------------------------------------------


def test_unknown_names_list_close_ones() -> None:
    reg = ModelRegistry(None)
    with pytest.raises(UsageError) as error:
        reg.spec("person-detection-0202")
    assert "unknown model 'person-detection-0202'" in str(error.value)
    assert "person-detection-0201" in str(error.value)
    with pytest.raises(UsageError, match="person-detection-retail-0013"):
        reg.spec("person-detection")  # a prefix finds its family
    with pytest.raises(UsageError, match=r"unknown model 'qqq' \(see `citywatch models list`\)"):
        reg.spec("qqq")


def test_require_names_the_missing_file_where_it_looked_and_how_to_get_it(tmp_path: Path) -> None:
    write_variant(tmp_path / "omz", "FP16-INT8", suffixes=(".xml",))
    with pytest.raises(ModelError) as error:
        ModelRegistry(tmp_path, [toy_spec()], origin="--model-dir").require(TOY)
    message = str(error.value)
    assert "\n" not in message
    assert f"{tmp_path}/omz/{TOY}/FP16-INT8/{TOY}.bin is missing" in message
    assert f"looked in {tmp_path}/omz, from --model-dir" in message
    assert f"citywatch models pull {TOY} --model-dir {tmp_path}" in message


def test_require_with_an_explicit_precision_says_so_in_the_hint(tmp_path: Path) -> None:
    env = {MODEL_DIR_ENV: str(tmp_path)}
    reg = ModelRegistry.from_settings(None, environ=env, specs=[toy_spec()])
    with pytest.raises(ModelError, match=f"`citywatch models pull {TOY} --precision FP32`$"):
        reg.require(TOY, "fp32")


def test_require_without_a_model_directory_says_how_to_set_one() -> None:
    with pytest.raises(ModelError, match=f"no model directory is set \\(set {MODEL_DIR_ENV}"):
        registry(None).require(TOY)


def test_require_returns_what_find_returns(tmp_path: Path) -> None:
    write_variant(tmp_path / "omz", "FP32")
    reg = registry(tmp_path)
    assert reg.require(TOY) == reg.find(TOY)


# --- package-shipped models --------------------------------------------------------------------


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed-looking package whose __init__ fails, proving the registry never imports it."""
    site = tmp_path / "site"
    package = site / "cw_fake_models_pkg"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('must not be imported')\n")
    (package / "models" / "net.dat").write_bytes(b"weights")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    return package


def package_spec(module: str = "cw_fake_models_pkg", path: str = "models/net.dat") -> ModelSpec:
    location = PackageLocation(module=module, distribution="cw-fake-models-pkg", path=path)
    return ModelSpec(name="fake-net", kind="face-embedder", source="package", package=location)


def test_package_file_is_found_without_importing_the_package(fake_package: Path) -> None:
    reg = ModelRegistry(None, [package_spec()])
    assert reg.package_file("fake-net") == fake_package / "models" / "net.dat"
    found = reg.find("fake-net")
    assert found is not None and found.precision is None and found.path.name == "net.dat"
    # No RECORD to compare against: reported, not failed.
    [result] = reg.verify()
    assert (result.status, result.failed) == ("unchecked", False)


def test_missing_package_file_is_a_model_error(fake_package: Path) -> None:
    reg = ModelRegistry(None, [package_spec(path="models/gone.dat")])
    assert reg.find("fake-net") is None
    with pytest.raises(ModelError, match="cw-fake-models-pkg"):
        reg.package_file("fake-net")


def test_package_not_installed_says_what_to_install() -> None:
    reg = ModelRegistry(None, [package_spec(module="cw_no_such_package_here")])
    with pytest.raises(ModelError, match=r"is not installed.*\(pip install cw-fake-models-pkg\)"):
        reg.require("fake-net")
    [result] = reg.verify(["fake-net"])
    assert result.status == "absent" and result.failed
    assert "pip install" in result.problem()


def test_package_models_have_no_precision_and_omz_models_no_package_file(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path, [toy_spec(), package_spec()])
    with pytest.raises(UsageError, match="ships inside the Python package"):
        reg.find("fake-net", "FP16")
    with pytest.raises(UsageError, match="not shipped in a package"):
        reg.package_file(TOY)


# --- verify ------------------------------------------------------------------------------------


def test_verify_reports_ok_mismatch_and_absent(tmp_path: Path) -> None:
    write_variant(tmp_path / "omz", "FP16")
    bad = write_variant(tmp_path / "omz", "FP32") / f"{TOY}.bin"
    bad.write_bytes(b"tampered")
    checked = registry(tmp_path).verify()
    results = {(r.precision, r.path.suffix if r.path else ""): r for r in checked}
    assert results[("FP16", ".xml")].status == "ok"
    assert results[("FP16", ".bin")].status == "ok"
    mismatch = results[("FP32", ".bin")]
    assert mismatch.status == "mismatch" and mismatch.failed
    assert mismatch.expected != mismatch.actual and mismatch.actual is not None
    assert f"{bad}: sha256 mismatch (expected {mismatch.expected}, got " in mismatch.problem()
    absent = results[("FP16-INT8", ".xml")]
    assert absent.status == "absent" and not absent.failed


def test_absent_counts_only_for_named_models(tmp_path: Path) -> None:
    reg = registry(tmp_path)
    assert not any(r.failed for r in reg.verify())
    named = reg.verify([TOY])
    assert named and all(r.failed for r in named)
    assert reg.verify(TOY) == named  # a single name is accepted as a string


def test_named_model_with_one_complete_precision_passes(tmp_path: Path) -> None:
    write_variant(tmp_path / "omz", "FP16")
    results = registry(tmp_path).verify([TOY])
    assert not any(r.failed for r in results)
    assert {r.status for r in results} == {"ok", "absent"}


def test_named_model_with_a_half_present_precision_fails(tmp_path: Path) -> None:
    write_variant(tmp_path / "omz", "FP16")
    write_variant(tmp_path / "omz", "FP32", suffixes=(".xml",))
    failed = [r for r in registry(tmp_path).verify([TOY]) if r.failed]
    assert [(r.precision, r.path.name if r.path else None) for r in failed] == [
        ("FP32", f"{TOY}.bin")
    ]
    assert failed[0].problem().endswith(f"{TOY}.bin is missing")


def test_verify_rejects_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown model"):
        registry(tmp_path).verify(["nope"])

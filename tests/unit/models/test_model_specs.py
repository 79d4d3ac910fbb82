from __future__ import annotations

from pathlib import Path

import pytest

from citywatch.core import ObjectClass, UsageError
from citywatch.models import ModelSpec, TensorSpec, builtin_specs
from citywatch.models.specs import parse_catalog

KNOWN_LABELS = {c.name.lower() for c in ObjectClass} | {"face", "plate"}


def omz_specs() -> list[ModelSpec]:
    return [s for s in builtin_specs() if s.source == "omz"]


def test_catalog_parses_with_unique_names() -> None:
    names = [s.name for s in builtin_specs()]
    assert len(names) == len(set(names))
    assert len(omz_specs()) == 18


def test_every_omz_variant_has_an_xml_and_a_bin_from_its_own_upstream_folder() -> None:
    for spec in omz_specs():
        assert spec.licence == "Apache-2.0"
        for variant in spec.variants:
            assert [f.name for f in variant.files] == [f"{spec.name}.xml", f"{spec.name}.bin"]
            for file in variant.files:
                assert file.url is not None and file.url.startswith("https://")
                assert file.url.endswith(f"/{spec.name}/{variant.precision}/{file.name}")
                assert len(file.sha256) == 64 and file.size and file.size > 0


def test_int8_is_the_default_where_both_precisions_exist() -> None:
    for spec in omz_specs():
        if {"FP16", "FP16-INT8"} <= set(spec.precisions):
            assert spec.default_precision == "FP16-INT8"


def test_detectors_say_what_their_class_indices_mean() -> None:
    detectors = [s for s in omz_specs() if s.kind.endswith("detector")]
    assert detectors
    for spec in detectors:
        assert spec.labels, spec.name
        assert set(spec.labels.values()) <= KNOWN_LABELS, spec.name
    by_name = {s.name: s for s in builtin_specs()}
    assert by_name["person-detection-0201"].class_id("person") == 0
    assert by_name["person-detection-retail-0013"].class_id("person") == 1
    assert by_name["person-vehicle-bike-detection-crossroad-1016"].class_id("vehicle") == 1
    assert by_name["vehicle-license-plate-detection-barrier-0106"].class_id("plate") == 2
    assert by_name["vehicle-detection-0201"].class_id("person") is None


def test_image_inputs_expose_their_size_in_either_layout() -> None:
    by_name = {s.name: s for s in builtin_specs()}
    nchw = by_name["person-detection-retail-0013"].inputs[0]
    assert (nchw.height, nchw.width) == (320, 544)
    nhwc = by_name["vehicle-license-plate-detection-barrier-0106"].inputs[0]
    assert (nhwc.layout, nhwc.height, nhwc.width) == ("NHWC", 300, 300)
    with pytest.raises(ValueError, match="not an image input"):
        _ = TensorSpec("seq_ind", (88, 1), "").height


def test_package_models_cover_the_bundled_files() -> None:
    paths = {s.package.path for s in builtin_specs() if s.package is not None}
    assert "modules/pose_detection/pose_detection.tflite" in paths
    assert "models/shape_predictor_5_face_landmarks.dat" in paths
    assert "models/dlib_face_recognition_resnet_model_v1.dat" in paths
    assert sum(p.endswith(".onnx") for p in paths) == 3


def test_variant_lookup_ignores_case_and_lists_known_precisions() -> None:
    spec = next(s for s in builtin_specs() if s.name == "face-detection-retail-0004")
    assert spec.variant("fp16-int8").precision == "FP16-INT8"
    with pytest.raises(UsageError, match=r"no precision 'FP32' \(known: FP16, FP16-INT8\)"):
        spec.variant("FP32")


def test_catalog_errors_are_caught_when_parsing() -> None:
    entry = {
        "name": "x",
        "kind": "k",
        "variant": [{"precision": "FP16", "files": [{"name": "x.xml", "sha256": "abc"}]}],
    }
    with pytest.raises(ValueError, match="bad sha256"):
        parse_catalog({"omz": [entry]})
    good = {**entry, "variant": [{"precision": "FP16", "files": []}]}
    with pytest.raises(ValueError, match="duplicate model names: x"):
        parse_catalog({"omz": [good, good]})
    with pytest.raises(ValueError, match="default_precision FP32"):
        parse_catalog({"omz": [{**good, "default_precision": "FP32"}]})


def test_catalog_matches_the_shared_checksums(model_dir: Path) -> None:
    """Every file under ../shared/models/omz is in the catalog with the SHA256SUMS hash."""
    sums = {}
    for line in (model_dir / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split(None, 1)
        sums[path.strip()] = digest
    catalog = {
        f"omz/{s.name}/{v.precision}/{f.name}": f.sha256
        for s in omz_specs()
        for v in s.variants
        for f in v.files
    }
    assert catalog == sums

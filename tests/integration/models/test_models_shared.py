"""The registry against the real ../shared/models and the packages installed in the venv."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from citywatch.models import ModelRegistry


def test_every_shared_file_verifies(model_dir: Path) -> None:
    results = ModelRegistry(model_dir).verify()
    omz = [r for r in results if r.precision is not None]
    assert len(omz) == 40 and all(r.status == "ok" for r in omz)
    assert not any(r.failed for r in results)


def test_every_model_resolves_in_both_layouts(model_dir: Path) -> None:
    for root in (model_dir, model_dir / "omz"):
        reg = ModelRegistry(root)
        for spec in reg.specs:
            if spec.source == "omz":
                found = reg.require(spec.name)
                assert found.precision == (spec.default_precision or spec.precisions[0])
                assert found.xml.is_file() and found.bin.is_file()


def ir_inputs(xml: Path) -> dict[str, tuple[int, ...]]:
    """Parameter layers of an IR file: every name a tensor answers to -> its shape.

    A tensor's names are on its output port (`names="a,b"`) in newer IR versions and only the
    layer name in older ones, so both count.
    """
    inputs: dict[str, tuple[int, ...]] = {}
    for layer in ElementTree.parse(xml).iter("layer"):
        if layer.get("type") != "Parameter":
            continue
        data = layer.find("data")
        port = layer.find("output/port")
        assert data is not None and port is not None
        shape = tuple(int(d) for d in (data.get("shape") or "").split(","))
        names = [layer.get("name") or ""] + (port.get("names") or "").split(",")
        inputs.update({name.strip(): shape for name in names if name.strip()})
    return inputs


def test_catalog_inputs_match_the_ir_files(model_dir: Path) -> None:
    """The input names and shapes in the catalog are those the .xml declares."""
    reg = ModelRegistry(model_dir)
    for spec in reg.specs:
        if spec.source != "omz":
            continue
        for precision in spec.precisions:
            declared = ir_inputs(reg.require(spec.name, precision).xml)
            for tensor in spec.inputs:
                assert declared.get(tensor.name) == tensor.shape, (spec.name, precision, tensor)


def test_bundled_package_models_check_against_their_record() -> None:
    reg = ModelRegistry(None)
    for name in (
        "mediapipe-pose-detection",
        "dlib-shape-predictor-5",
        "dlib-face-recognition-resnet-v1",
    ):
        path = reg.package_file(name)
        assert path.is_file()
        [result] = reg.verify([name])
        assert result.status == "ok", result

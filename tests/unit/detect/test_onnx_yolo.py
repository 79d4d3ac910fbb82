"""The YOLO decode path, run end to end through onnxruntime on a small graph built here.

The graph ignores the picture's content and returns a fixed prediction table (plus 0 x the
input mean, so the input is really consumed); the test knows where those boxes must land in
the original image after letterboxing.
"""

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from citywatch.core.classes import ObjectClass
from citywatch.core.errors import ModelError
from citywatch.detect.onnx_yolo import OnnxYoloDetector

SIZE = 64
CLASS_MAP = {0: ObjectClass.PERSON, 2: ObjectClass.VEHICLE}


def build_graph(path: Path, table: np.ndarray) -> Path:
    const = numpy_helper.from_array(table.astype(np.float32), name="table")
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], axes=[1, 2, 3], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["table", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "toy_yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(table.shape))],
        initializer=[const, numpy_helper.from_array(np.zeros(1, np.float32), name="zero")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def v8_table() -> np.ndarray:
    # columns: cx, cy, w, h (model-input pixels), then scores for classes 0..2
    rows = np.array(
        [
            [32, 32, 16, 32, 0.90, 0.00, 0.05],  # person in the middle
            [33, 32, 16, 32, 0.80, 0.00, 0.00],  # duplicate of it: NMS removes
            [10, 40, 8, 8, 0.00, 0.00, 0.70],  # vehicle (class 2)
            [50, 40, 8, 8, 0.00, 0.95, 0.00],  # class 1 is not mapped: dropped
            [50, 10, 8, 8, 0.10, 0.00, 0.00],  # below threshold
        ],
        dtype=np.float32,
    )
    rows = np.vstack(
        [rows, np.zeros((95, 7), np.float32)]
    )  # real exports have thousands of anchors
    return rows.T[None]  # 1 x (4 + classes) x N


def test_yolov8_layout_boxes_land_in_original_pixels(tmp_path):
    detector = OnnxYoloDetector(
        build_graph(tmp_path / "v8.onnx", v8_table()), CLASS_MAP, SIZE, 0.25, 0.5
    )
    image = np.zeros((100, 200, 3), np.uint8)  # letterbox: scale 0.32, 16 px bands top and bottom
    found = detector.detect(image)
    assert sorted(found.class_id.tolist()) == [ObjectClass.PERSON, ObjectClass.VEHICLE]
    person = found[found.class_id == ObjectClass.PERSON]
    assert person.confidence[0] == pytest.approx(0.9)
    # centre (32, 32) of the 64 px input is the image centre (100, 50); 16x32 -> 50x100, clipped
    assert np.allclose(person.xyxy[0], [75, 0, 125, 100], atol=0.5)
    vehicle = found[found.class_id == ObjectClass.VEHICLE]
    assert np.allclose(
        vehicle.xyxy[0], [(6 / 0.32), (36 - 16) / 0.32, 14 / 0.32, (44 - 16) / 0.32], atol=0.5
    )


def test_yolov5_layout_uses_objectness(tmp_path):
    rows = np.array(
        [
            [32, 32, 16, 32, 0.5, 0.9, 0.0, 0.0],  # 0.5 x 0.9 = 0.45: kept
            [10, 10, 8, 8, 0.2, 0.9, 0.0, 0.0],  # 0.18: below 0.25
        ],
        dtype=np.float32,
    )
    rows = np.vstack([rows, np.zeros((98, 8), np.float32)])[None]  # 1 x N x (5 + classes)
    detector = OnnxYoloDetector(build_graph(tmp_path / "v5.onnx", rows), CLASS_MAP, SIZE, 0.25, 0.5)
    found = detector.detect(np.zeros((64, 64, 3), np.uint8))
    assert len(found) == 1 and found.confidence[0] == pytest.approx(0.45)


def test_explicit_layout_overrides_the_shape_guess(tmp_path):
    table = v8_table()[:, :, :5]  # 7 x 5: too few anchors to guess from
    path = build_graph(tmp_path / "tiny.onnx", table)
    found = OnnxYoloDetector(path, CLASS_MAP, SIZE, 0.25, 0.5, layout="yolov8").detect(
        np.zeros((64, 64, 3), np.uint8)
    )
    assert len(found) == 2


def test_missing_or_broken_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        OnnxYoloDetector(tmp_path / "none.onnx", CLASS_MAP)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx file")
    with pytest.raises(ModelError, match="cannot load ONNX model"):
        OnnxYoloDetector(broken, CLASS_MAP)

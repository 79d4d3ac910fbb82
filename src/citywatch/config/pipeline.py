"""Detector and tracker settings shared by every camera."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from citywatch.config.base import Section

DetectorBackend = Literal["auto", "openvino", "onnx-yolo", "mediapipe"]


class DetectorConfig(Section):
    """Which person/vehicle detector runs.

    `auto` takes `model` from the model directory when its files are there and otherwise falls
    back to a detector shipped inside an installed package (logged at start).
    """

    backend: DetectorBackend = "auto"
    model: str = "person-detection-0201"
    extra_models: list[str] = Field(
        default=[],
        description="more OMZ detectors run on every frame, e.g. vehicle-detection-0201 "
        "beside the person model (plates, traffic rules)",
    )
    precision: str | None = Field(default=None, description="OMZ precision folder, e.g. FP16")
    score_threshold: float = Field(default=0.1, ge=0, le=1)
    device: str = "CPU"
    performance: Literal["auto", "latency", "throughput"] = Field(
        default="auto",
        description="auto: throughput when several frames are in flight (files, many cameras)",
    )
    onnx_path: str | None = Field(default=None, description="YOLO-style model for onnx-yolo")
    onnx_class_map: dict[int, str] = Field(
        default={0: "person", 1: "bicycle", 2: "vehicle", 3: "vehicle", 5: "vehicle", 7: "vehicle"},
        description="model class index -> person / vehicle / bicycle (COCO order by default)",
    )
    onnx_input_size: int = Field(default=640, ge=32, le=4096)
    onnx_layout: Literal["auto", "yolov5", "yolov8"] = Field(
        default="auto", description="output layout; auto guesses from the output's shape"
    )
    nms_iou: float = Field(default=0.5, gt=0, le=1)

    @model_validator(mode="after")
    def _onnx_needs_path(self) -> DetectorConfig:
        if self.backend == "onnx-yolo" and not self.onnx_path:
            raise ValueError("backend onnx-yolo needs onnx_path")
        return self


class TrackerConfig(Section):
    """ByteTrack-style association thresholds (see citywatch.track.bytetrack)."""

    high_threshold: float = Field(default=0.4, ge=0, le=1)
    low_threshold: float = Field(default=0.1, ge=0, le=1)
    new_track_threshold: float = Field(default=0.7, ge=0, le=1)
    match_iou: float = Field(default=0.1, gt=0, le=1, description="minimum IoU, first stage")
    low_match_iou: float = Field(default=0.5, gt=0, le=1, description="minimum IoU, second stage")
    max_lost_s: float = Field(default=3.0, gt=0, description="seconds a lost track may return")
    lost_buffer_per_s: float = Field(
        default=1.0, ge=0, description="box growth per second lost, when matching lost tracks"
    )
    lost_buffer_max: float = Field(default=1.0, ge=0, description="cap on that growth")
    min_hits: int = Field(default=2, ge=1, description="matched frames before a track is shown")

    @model_validator(mode="after")
    def _ordered(self) -> TrackerConfig:
        if self.low_threshold > self.high_threshold:
            raise ValueError("low_threshold must not exceed high_threshold")
        return self

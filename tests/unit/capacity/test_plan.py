"""The capacity model: its arithmetic, and its agreement with what this machine held."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from citywatch.capacity.costs import load_costs, measured_costs
from citywatch.capacity.plan import Workload, parse_resolution, plan
from citywatch.core.errors import ConfigError, UsageError

RESULTS = Path(__file__).resolve().parents[3] / "bench" / "results"


def test_resolutions_by_name_or_size() -> None:
    assert parse_resolution("1080p") == (1920, 1080)
    assert parse_resolution("4K") == (3840, 2160)
    assert parse_resolution("1280x720") == (1280, 720)
    with pytest.raises(UsageError, match="--resolution"):
        parse_resolution("big")


def test_the_model_agrees_with_the_cameras_this_machine_held() -> None:
    """bench/throughput.py: 1080p cameras decoded at 30 fps and analysed at 5 fps, no faces,
    re-ID or live view; 10 were held on 2 cores without drops, 12 fell behind."""
    measured = json.loads((RESULTS / "throughput.json").read_text())
    held = measured["cameras_at_5fps_held"]
    costs = replace(measured_costs(), live_jpeg_ms_per_frame=0.0)
    quiet = dict(people_in_view=0.0, person_tracks_per_min=0.0, utilisation=1.0)

    def busy(cameras: int) -> float:
        workload = Workload(cameras, 5.0, (1920, 1080), source_fps=30.0, **quiet)
        return plan(workload, costs).busy_cores

    assert busy(held) <= 2.0 < busy(held + 2)


def test_the_dominant_stage_follows_the_workload() -> None:
    costs = measured_costs()
    busy_street = plan(Workload(100, 5.0, (1920, 1080), people_in_view=6.0), costs)
    assert busy_street.dominant == "faces"
    empty_4k = plan(Workload(100, 2.0, (3840, 2160), people_in_view=0.1), costs)
    assert empty_4k.dominant == "decode"
    shares = [s.share for s in busy_street.stages]
    assert sum(shares) == pytest.approx(1.0, abs=0.01) and shares == sorted(shares, reverse=True)


def test_nodes_storage_and_bandwidth_scale_with_cameras() -> None:
    costs = measured_costs()
    one = plan(Workload(1, 5.0, (1920, 1080), cores_per_node=16), costs)
    many = plan(Workload(1000, 5.0, (1920, 1080), cores_per_node=16), costs)
    assert many.busy_cores == pytest.approx(1000 * one.busy_cores, rel=1e-3)
    assert many.nodes == -(-many.cores // 16) and many.cores >= many.busy_cores / 0.7
    assert many.bandwidth_mbps == pytest.approx(4000.0)  # 4 Mbit/s a 1080p camera
    assert many.storage_gb_per_day == pytest.approx(1000 * one.storage_gb_per_day, rel=1e-2)
    thirty = plan(Workload(1000, 5.0, (1920, 1080), retention_days=30), costs)
    assert thirty.storage_tb_retained == pytest.approx(
        thirty.storage_gb_per_day * 30 / 1000, rel=1e-3
    )


def test_costs_measured_elsewhere_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "costs.json"
    data = json.loads(json.dumps(measured_costs().__dict__))
    data["detect_track_ms_per_frame"] = 2.0  # a faster machine
    good.write_text(json.dumps(data))
    assert load_costs(good).detect_track_ms_per_frame == 2.0
    data["detect_track_ms_per_frame"] = "fast"
    good.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="detect_track_ms_per_frame"):
        load_costs(good)
    del data["detect_track_ms_per_frame"]
    good.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="missing"):
        load_costs(good)


def test_a_bad_workload_is_refused() -> None:
    with pytest.raises(UsageError, match="--fps"):
        Workload(1, 30.0, (1920, 1080), source_fps=25.0)
    with pytest.raises(UsageError, match="--cameras"):
        Workload(0, 5.0, (1920, 1080))

import math

import cv2
import numpy as np
import pytest
from gait_walkers import swing, walk_samples, walker_mask, walker_silhouette

from citywatch.config.gait import GaitConfig
from citywatch.gait.signature import (
    GaitSample,
    build_signature,
    estimate_period,
    gait_distance,
    gait_energy_image,
    motion,
)
from citywatch.gait.silhouettes import Silhouette, judge


@pytest.mark.parametrize("period", [8.0, 10.5, 13.0])
def test_period_of_a_noisy_periodic_signal(period):
    rng = np.random.default_rng(1)
    steps = np.arange(60)
    signal = np.sin(2 * np.pi * steps / period) + 0.3 * rng.standard_normal(60) + 0.01 * steps
    found = estimate_period([signal], 6, 16)
    assert found is not None
    assert abs(found.cycle - period) <= 0.5
    assert found.strength > 0.5


def test_period_takes_the_first_peak_not_a_multiple():
    # Two cycles correlate as well as one; the shorter is the cycle.
    signal = np.tile([0.0, 1.0, 3.0, 1.0, 0.0, 0.5, 1.0, 0.5], 8)
    found = estimate_period([signal], 6, 17)
    assert found is not None and abs(found.cycle - 8) < 0.2


def test_period_pools_runs_split_by_gaps():
    period = 9.0
    runs = [np.sin(2 * np.pi * np.arange(start, start + 20) / period) for start in (0, 33, 71)]
    found = estimate_period(runs, 6, 16)
    assert found is not None and abs(found.cycle - period) <= 0.2


def test_period_needs_enough_samples():
    assert estimate_period([np.arange(8.0)], 7, 16) is None
    assert estimate_period([np.arange(30.0)], 0.5, 1.5) is None  # under 2 samples: unseeable


def test_period_of_synthetic_silhouettes_at_two_analysis_rates(config):
    # A walker with a 1.0 s cycle: 10 samples at 10 fps, 5 samples at 5 fps.
    silhouettes = [walker_silhouette(swing(step, 10.0), config) for step in range(60)]
    spread = np.array([s.spread for s in silhouettes])
    at_10 = estimate_period([spread], config.min_cycle_s / 0.1, config.max_cycle_s / 0.1)
    at_5 = estimate_period([spread[::2]], config.min_cycle_s / 0.2, config.max_cycle_s / 0.2)
    assert at_10 is not None and abs(at_10.cycle - 10) <= 0.3
    assert at_5 is not None and abs(at_5.cycle - 5) <= 0.2


def test_signature_of_a_walk(config):
    samples = walk_samples(48, period=10.0, interval=0.1, config=config)
    signature = build_signature(samples, 0.1, config)
    assert signature is not None
    assert abs(signature.period_s - 1.0) <= 0.05 and abs(signature.period_frames - 10) <= 0.5
    assert signature.cycles == 4 and signature.frames_used == 40  # whole cycles only
    assert signature.vector.dtype == np.float32
    assert signature.vector.shape == (config.height * config.width,)
    assert math.isclose(float(np.linalg.norm(signature.vector)), 1.0, rel_tol=1e-5)
    assert 0.0 < signature.quality <= 1.0
    assert signature.gei().shape == (config.height, config.width)
    assert gait_distance(signature, signature) == pytest.approx(0.0, abs=1e-6)


def test_signature_does_not_depend_on_size_or_place(config):
    # The same walk seen at full and at 40% size, at different places in the frame.
    def walk(scale: float, x0: float, y0: float) -> list[GaitSample]:
        out = []
        for step in range(40):
            big = walker_mask(160, 80, swing(step, 10.0), scale=0.95)
            mask = cv2.resize(big, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
            h, w = mask.shape
            box = np.array([0, 0, w, h], dtype=np.float32)
            silhouette = judge(mask, box.astype(np.int32), box, config)
            assert isinstance(silhouette, Silhouette)
            x = x0 + 0.8 * h * step * 0.1
            out.append(GaitSample(step * 0.1, (x, y0, x + w, y0 + h), silhouette))
        return out

    near = build_signature(walk(1.0, 50.0, 100.0), 0.1, config)
    far = build_signature(walk(0.4, 300.0, 20.0), 0.1, config)
    assert near is not None and far is not None
    assert gait_distance(near, far) < 0.01


def test_leftwards_walk_is_mirrored_to_match_rightwards(config):
    right = walk_samples(40, 10.0, 0.1, config, speed_px=8.0)
    left = [
        GaitSample(
            s.ts,
            (1000 - s.box[2], s.box[1], 1000 - s.box[0], s.box[3]),
            type(s.silhouette)(s.silhouette.image[:, ::-1].copy(), s.silhouette.spread, 0.4),
        )
        for s in right
    ]
    assert motion(right)[1] == 1 and motion(left)[1] == -1
    a, b = build_signature(right, 0.1, config), build_signature(left, 0.1, config)
    assert a is not None and b is not None
    assert gait_distance(a, b) < 1e-4


def test_no_signature_for_short_or_standing_tracks(config):
    short = walk_samples(12, 10.0, 0.1, config)  # one cycle
    assert build_signature(short, 0.1, config) is None
    standing = walk_samples(40, 10.0, 0.1, config, speed_px=0.0)
    assert motion(standing)[0] == pytest.approx(0.0, abs=1e-9)
    assert build_signature(standing, 0.1, config) is None
    assert gait_energy_image(standing, 0.1, config) is not None  # it has a period, no walk
    assert build_signature([], 0.1, config) is None


def test_gaps_split_runs_and_only_whole_cycles_count(config):
    samples = walk_samples(60, 10.0, 0.1, config)
    holed = samples[:15] + samples[30:45]  # two runs of 1.5 cycles: one whole cycle each
    energy = gait_energy_image(holed, 0.1, config)
    assert energy is not None and energy.cycles == 2 and energy.frames == 20
    assert build_signature(holed, 0.1, GaitConfig(min_cycles=3)) is None


def test_distance_needs_the_same_shape(config):
    a = build_signature(walk_samples(40, 10.0, 0.1, config), 0.1, config)
    small = GaitConfig(height=32, width=22)
    b = build_signature(walk_samples(40, 10.0, 0.1, small), 0.1, small)
    assert a is not None and b is not None
    with pytest.raises(ValueError, match="different sizes"):
        gait_distance(a, b)

"""Gait period and the Gait Energy Image signature of one track.

The period comes from the legs: the horizontal spread of the silhouette's lower half
(`Silhouette.spread`) repeats once per gait cycle (two steps; legs apart at each step, and
the two steps differ enough in a real view that the whole cycle is the clearest repeat).
The cycle is the first strong peak of its autocorrelation within the configured range: two
cycles correlate about as well as one, and the first peak is the one that is not a multiple.

The signature is a Gait Energy Image (Han and Bhanu, 2006): the mean of the normalised
silhouettes over whole cycles, each run of frames starting at the same phase (legs widest
apart), so every phase of the walk weighs the same. Tracks walking left are mirrored, so a
person compares with themselves whichever way they cross the view. It is unsupervised: no
projection is learnt, and signatures compare by cosine distance of their mean-removed,
L2-normalised pixels (a correlation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from citywatch.config.gait import GaitConfig
from citywatch.gait.silhouettes import Silhouette

_MAX_GAP = 2  # a run may skip one analysed frame (its spread is interpolated)
_FIRST_PEAK = 0.8  # a period peak this close to the best one is taken if it is shorter
_SIDEWAYS_HEIGHTS_PER_S = 0.1  # slower sideways motion leaves the orientation as it is


@dataclass(frozen=True)
class GaitSample:
    """One good silhouette of a track, with when and where (frame pixels, x1 y1 x2 y2)."""

    ts: float
    box: tuple[float, float, float, float]
    silhouette: Silhouette


@dataclass(frozen=True)
class Period:
    cycle: float  # analysed samples per gait cycle (two steps); fractional
    strength: float  # autocorrelation at `cycle`, -1..1; clear walking is 0.5 and more


@dataclass(frozen=True)
class GaitSignature:
    """A track's gait: its GEI, flattened, mean removed and L2-normalised (float32)."""

    vector: np.ndarray
    shape: tuple[int, int]  # (height, width) of the GEI the vector came from
    period_frames: float  # gait cycle in analysed frames
    period_s: float  # gait cycle in seconds of stream time
    cycles: int  # complete cycles averaged
    frames_used: int  # silhouettes averaged
    quality: float  # 0..1: periodicity times how many cycles (4 or more: full marks)

    def gei(self) -> np.ndarray:
        """The vector back as an image (for looking at; values are not 0..1 any more)."""
        return self.vector.reshape(self.shape)


@dataclass(frozen=True)
class _Run:
    """Evenly spaced samples without long gaps; missing slots have no image."""

    spread: np.ndarray  # interpolated over missing slots
    images: list[np.ndarray | None]


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3:
        return 0.0
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
    return float(np.dot(a, b)) / denominator if denominator > 1e-12 else 0.0


def lagged_correlation(runs: Sequence[np.ndarray], lag: float) -> float:
    """Correlation of each run with itself `lag` samples later (fractional: interpolated)."""
    firsts, seconds = [], []
    for signal in runs:
        count = len(signal) - int(np.ceil(lag))
        if count <= 0:
            continue
        steps = np.arange(count, dtype=np.float64)
        firsts.append(signal[:count])
        seconds.append(np.interp(steps + lag, np.arange(len(signal)), signal))
    if not firsts:
        return 0.0
    return _pearson(np.concatenate(firsts), np.concatenate(seconds))


def _standardise(signal: np.ndarray) -> np.ndarray:
    """Linear trend removed (turning, perspective), unit variance."""
    steps = np.arange(len(signal), dtype=np.float64)
    if len(signal) >= 3:
        slope, intercept = np.polyfit(steps, signal, 1)
        signal = signal - (slope * steps + intercept)
    spread = float(signal.std())
    return signal / spread if spread > 1e-12 else signal * 0.0


def estimate_period(
    runs: Sequence[np.ndarray], min_cycle: float, max_cycle: float, step: float = 0.1
) -> Period | None:
    """The gait cycle (in samples) of leg-spread signals, or None if too short to tell.

    `runs` are evenly sampled pieces of one walk (gaps split them). Cycles shorter than
    2 samples cannot be seen (Nyquist), so the search starts at 2 at the least; a run
    needs 1.5 of the shortest candidate cycles to count.
    """
    low = max(2.0, min_cycle)
    if max_cycle < low:
        return None
    usable = [_standardise(np.asarray(r, np.float64)) for r in runs if len(r) >= 1.5 * low + 1]
    if not usable:
        return None
    candidates = np.arange(low, max_cycle + 1e-9, step)
    scores = np.array([lagged_correlation(usable, c) for c in candidates])
    best = int(np.argmax(scores))
    for i in range(len(scores)):
        left = scores[i - 1] if i else -np.inf
        right = scores[i + 1] if i + 1 < len(scores) else -np.inf
        if scores[i] >= left and scores[i] >= right and scores[i] >= _FIRST_PEAK * scores[best]:
            best = i
            break
    return Period(cycle=float(candidates[best]), strength=float(scores[best]))


def _runs(samples: Sequence[GaitSample], interval: float) -> list[_Run]:
    """Samples put on an even grid of `interval`; gaps of more than one slot start a new run."""
    runs: list[_Run] = []
    slots: list[int] = []
    members: list[Silhouette] = []

    def close() -> None:
        if not members:
            return
        length = slots[-1] - slots[0] + 1
        images: list[np.ndarray | None] = [None] * length
        known = np.asarray([s - slots[0] for s in slots])
        for slot, silhouette in zip(known, members, strict=True):
            images[slot] = silhouette.image
        spread = np.interp(np.arange(length), known, [s.spread for s in members])
        runs.append(_Run(spread=spread, images=images))

    start = samples[0].ts if samples else 0.0
    for sample in samples:
        slot = int(round((sample.ts - start) / interval))
        if slots and slot <= slots[-1]:
            continue  # a repeated frame
        if slots and slot - slots[-1] > _MAX_GAP:
            close()
            slots, members = [], []
        slots.append(slot)
        members.append(sample.silhouette)
    close()
    return runs


def _cycles(run: _Run, cycle: float) -> tuple[int, int]:
    """(start, number of whole cycles) of a run: as many cycles as fit, and within the slack
    that leaves, the start at the widest stride (the mean over whole cycles of a periodic
    walk does not depend on where it starts; the phase point keeps noise from tipping it)."""
    count = int(len(run.spread) // cycle)
    if count < 1:
        return 0, 0
    slack = len(run.spread) - int(round(count * cycle))
    start = int(np.argmax(run.spread[: max(slack, 0) + 1]))
    return start, count


def motion(samples: Sequence[GaitSample]) -> tuple[float, int]:
    """(speed in box heights per second, heading): heading +1 right, -1 left, 0 neither.

    A side view walking left is the mirror image of one walking right; signatures are put
    in one orientation (rightwards) so the same person compares across both directions.
    """
    if len(samples) < 2:
        return 0.0, 0
    times = np.asarray([s.ts for s in samples], np.float64)
    if times[-1] - times[0] <= 0:
        return 0.0, 0
    boxes = np.asarray([s.box for s in samples], np.float64)
    height = max(float(np.median(boxes[:, 3] - boxes[:, 1])), 1.0)
    dx = float(np.polyfit(times, (boxes[:, 0] + boxes[:, 2]) / 2, 1)[0]) / height
    dy = float(np.polyfit(times, boxes[:, 3], 1)[0]) / height
    heading = 0 if abs(dx) < _SIDEWAYS_HEIGHTS_PER_S else (1 if dx > 0 else -1)
    return float(np.hypot(dx, dy)), heading


def to_vector(gei: np.ndarray) -> np.ndarray:
    """Mean-removed, L2-normalised float32 pixels: cosine distance becomes correlation."""
    vector = gei.astype(np.float32).ravel()
    vector = vector - vector.mean()
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-12 else vector


@dataclass(frozen=True)
class EnergyImage:
    """A Gait Energy Image (height x width float32, 0..1) and how it was averaged."""

    image: np.ndarray
    period: Period
    cycles: int
    frames: int


def gait_energy_image(
    samples: Sequence[GaitSample], interval: float, config: GaitConfig
) -> EnergyImage | None:
    """The mean silhouette over whole gait cycles, or None (no period, too few cycles).

    `samples` are in time order; `interval` is the analysed frame interval in seconds.
    Each gap-free run contributes its whole cycles from its first widest stride on.
    """
    if len(samples) < 3 or interval <= 0:
        return None
    runs = _runs(samples, interval)
    period = estimate_period(
        [run.spread for run in runs], config.min_cycle_s / interval, config.max_cycle_s / interval
    )
    if period is None or period.strength < config.min_periodicity:
        return None
    total: np.ndarray | None = None
    frames = cycles = 0
    for run in runs:
        start, count = _cycles(run, period.cycle)
        if count < 1:
            continue
        stop = start + int(round(count * period.cycle))
        for image in run.images[start:stop]:
            if image is None:
                continue
            total = image.astype(np.float32) if total is None else total + image
            frames += 1
        cycles += count
    if total is None or cycles < config.min_cycles:
        return None
    return EnergyImage(total / (255.0 * frames), period, cycles, frames)


def build_signature(
    samples: Sequence[GaitSample], interval: float, config: GaitConfig
) -> GaitSignature | None:
    """A track's signature from its good silhouettes, or None if it has too little gait.

    None when the track moved slower than `min_speed` (no walk, no gait), when the period
    is weaker than `min_periodicity`, or when runs without gaps hold fewer than `min_cycles`
    complete cycles. Tracks walking left are mirrored.
    """
    speed, heading = motion(samples)
    if speed < config.min_speed:
        return None
    energy = gait_energy_image(samples, interval, config)
    if energy is None:
        return None
    gei = energy.image[:, ::-1] if heading < 0 else energy.image
    strength = float(np.clip(energy.period.strength, 0, 1))
    return GaitSignature(
        vector=to_vector(gei),
        shape=(int(gei.shape[0]), int(gei.shape[1])),
        period_frames=energy.period.cycle,
        period_s=energy.period.cycle * interval,
        cycles=energy.cycles,
        frames_used=energy.frames,
        quality=strength * min(1.0, energy.cycles / 4),
    )


def gait_distance(a: GaitSignature, b: GaitSignature) -> float:
    """Cosine distance (0 same, 2 opposite) of two signatures of the same GEI size."""
    if a.shape != b.shape:
        raise ValueError(f"gait signatures of different sizes: {a.shape} and {b.shape}")
    return float(1.0 - np.dot(a.vector, b.vector))

"""Fuzzing the decoders with mutated real files: only the project's own errors come out.

- `citywatch.core.images.load_image`, the decoder behind every photo people hand us (API
  uploads go through it via `api.uploads.decode_image`; enrolment, search queries, `faces
  compare`, `plates read` call it directly), fed a real JPEG and a real PNG: it returns an
  HxWx3 uint8 array or raises `ImageError` with one line naming the file, nothing else.
- `citywatch.ingest.open_source` on a file, fed the first 256 KB of a real MP4 (index first,
  so the index is there to be damaged) and of a real AVI: opening it and reading up to
  `FRAME_CAP` frames yields BGR frames or raises `SourceError` naming the file.

Mutations are applied in sequence to the real bytes: bit flips, a cut at some offset, junk
inserted, two chunks swapped; offsets lean towards the start of the file, where the headers
(and the damage that matters) are. Each example runs under a `DEADLINE_S` alarm, so a decoder
that spins fails the test instead of hanging it. Derandomized and bounded, so CI runs the same
cases each time, in well under a minute; `CITYWATCH_FUZZ_EXAMPLES=2000` digs deeper by hand
(`--hypothesis-show-statistics` shows how the examples ended).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bad_inputs import INDEX_FIRST_MP4, REAL_AVI, REAL_JPEG, REAL_PNG
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from citywatch.core.errors import SourceError
from citywatch.core.images import ImageError, load_image

EXAMPLES = int(os.environ.get("CITYWATCH_FUZZ_EXAMPLES", "60"))
FRAME_CAP = 8
DEADLINE_S = 20.0
VIDEO_PREFIX = 256 * 1024

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Offsets: in the first KB (magic numbers, headers), the first 32 KB (an MP4's index), anywhere.
OFFSET = st.one_of(st.integers(0, 1023), st.integers(0, 32767), st.integers(0, 2**31))
MUTATION = st.one_of(
    st.tuples(st.just("flip"), OFFSET, st.integers(0, 7)),
    st.tuples(st.just("cut"), OFFSET),
    st.tuples(st.just("insert"), OFFSET, st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("swap"), OFFSET, OFFSET, st.integers(1, 4096)),
)
MUTATIONS = st.lists(MUTATION, min_size=1, max_size=4)


def mutate(data: bytes, mutations: list[tuple[Any, ...]]) -> bytes:
    """`data` with each mutation applied in turn; offsets wrap around the current length."""
    buffer = bytearray(data)
    for kind, *args in mutations:
        if not buffer:
            break
        if kind == "flip":
            offset, bit = args
            buffer[offset % len(buffer)] ^= 1 << bit
        elif kind == "cut":
            del buffer[args[0] % len(buffer) :]
        elif kind == "insert":
            offset, junk = args
            at = offset % (len(buffer) + 1)
            buffer[at:at] = junk
        elif kind == "swap":
            first, second, length = args
            length = min(length, len(buffer) // 2)
            span = len(buffer) - length + 1
            a, b = sorted((first % span, second % span))
            if length and b >= a + length:  # two chunks that do not overlap
                chunk_a, chunk_b = bytes(buffer[a : a + length]), bytes(buffer[b : b + length])
                buffer[a : a + length], buffer[b : b + length] = chunk_b, chunk_a
    return bytes(buffer)


class Hang(BaseException):
    """A decoder ran past the deadline (a BaseException, so no `except Exception` hides it)."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise `Hang` if the block runs longer than `seconds` (SIGALRM; pytest-timeout's own
    alarm, if it has one running, is put back afterwards)."""

    def expired(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    remaining, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if remaining:
            left = max(remaining - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, interval)


class Samples(dict[str, bytes]):
    """The real bytes by kind; shown by kind only (Hypothesis prints its arguments)."""

    def __repr__(self) -> str:
        return f"Samples({', '.join(self)})"


@pytest.fixture(scope="module")
def samples(data_dir: Path) -> Samples:
    return Samples(
        jpeg=(data_dir / REAL_JPEG).read_bytes(),
        png=(data_dir / REAL_PNG).read_bytes(),
        mp4=(data_dir / INDEX_FIRST_MP4).read_bytes()[:VIDEO_PREFIX],
        avi=(data_dir / REAL_AVI).read_bytes()[:VIDEO_PREFIX],
    )


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def test_the_samples_decode_unmutated(samples: Samples, scratch: Path) -> None:
    """The baseline: what the fuzzing damages is a good picture and a good video."""
    from citywatch.ingest import open_source

    for kind in ("jpeg", "png"):
        path = scratch / f"good.{kind}"
        path.write_bytes(samples[kind])
        assert load_image(path).ndim == 3
    for kind in ("mp4", "avi"):
        path = scratch / f"good.{kind}"
        path.write_bytes(samples[kind])
        with open_source(str(path)) as source:
            frames = [f for _, f in zip(range(FRAME_CAP), source.frames(), strict=False)]
        assert len(frames) == FRAME_CAP


@FUZZ
@given(kind=st.sampled_from(["jpeg", "png"]), mutations=MUTATIONS)
def test_a_damaged_picture_decodes_or_raises_image_error(
    samples: Samples, scratch: Path, kind: str, mutations: list[tuple[Any, ...]]
) -> None:
    path = scratch / f"damaged.{kind}"
    path.write_bytes(mutate(samples[kind], mutations))
    with deadline(DEADLINE_S):
        try:
            image = load_image(path)
        except ImageError as error:
            message = str(error)
            assert message.startswith(f"{path}: ") and "\n" not in message
            event(f"refused: {error.reason.split('(')[0].strip()}")
            return
    event("decoded")
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
    assert image.flags.c_contiguous


@FUZZ
@given(kind=st.sampled_from(["mp4", "avi"]), mutations=MUTATIONS)
# Found by this test: the MP4 cut inside its index leaves a video stream with no codec, which
# PyAV gives no codec context; opening it raised AttributeError instead of SourceError.
@example(kind="mp4", mutations=[("cut", 348)])
def test_a_damaged_video_plays_or_raises_source_error(
    samples: Samples, scratch: Path, kind: str, mutations: list[tuple[Any, ...]]
) -> None:
    from citywatch.ingest import open_source

    path = scratch / f"damaged.{kind}"
    path.write_bytes(mutate(samples[kind], mutations))
    seen = 0
    with deadline(DEADLINE_S):
        try:
            with open_source(str(path)) as source:
                for frame in source.frames():
                    image = frame.image
                    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
                    seen += 1
                    if seen >= FRAME_CAP:
                        break
        except SourceError as error:
            message = str(error)
            assert str(path) in message and "\n" not in message
            event(f"{type(error).__name__} after {seen} frames: {error.reason.split(':')[0]}")
            return
    event(f"played {seen} frames")

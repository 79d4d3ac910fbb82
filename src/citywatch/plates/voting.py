"""Multi-frame voting: one plate per vehicle track from the reads of its frames.

A plate read in one frame is often one character off (motion blur, a bolt read as a dot, an
8 for a B at an angle). Whole-string majority needs the same mistake-free string twice; voting
character by character does not. For a track:

1. the length: the one with the largest total confidence among the reads;
2. each position: every read of that length adds its probabilities over the plate alphabet
   (`PlateRead.char_dists`, weighted by the read's confidence); reads one character longer or
   shorter add theirs, at half weight, through an edit-distance alignment with the result of
   step 2 so far;
3. the winner at each position; its share of the weight is that position's confidence, and
   the plate's confidence is their geometric mean times the weight share of the chosen length.

Reads without `char_dists` (built by hand, say) vote with their characters, each carrying its
`char_probs` entry (or the read's confidence).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from citywatch.plates.patterns import PLATE_ALPHABET
from citywatch.plates.types import PlateRead, VotedPlate

_INDEX = {c: i for i, c in enumerate(PLATE_ALPHABET)}
NEIGHBOUR_WEIGHT = 0.5


@dataclass(frozen=True)
class _Vote:
    read: PlateRead
    dists: np.ndarray  # (len(text), len(PLATE_ALPHABET))
    weight: float


class PlateVoter:
    """Collects reads per track id; `finish` votes and forgets the track.

    Not thread-safe: one voter per camera thread (track ids are per camera anyway).
    """

    def __init__(self, min_reads: int = 1, max_reads: int = 64) -> None:
        if min_reads < 1 or max_reads < min_reads:
            raise ValueError("need 1 <= min_reads <= max_reads")
        self.min_reads = min_reads
        self.max_reads = max_reads
        self._votes: dict[Hashable, list[_Vote]] = defaultdict(list)

    def observe(self, track_id: Hashable, reads: Sequence[PlateRead]) -> None:
        """Add one frame's reads of the track's vehicle (usually one; empty reads ignored)."""
        votes = self._votes[track_id]
        for read in reads:
            if not read.text:
                continue
            votes.append(_Vote(read, _distributions(read), max(read.confidence, 1e-3)))
        if len(votes) > self.max_reads:  # keep the most confident
            votes.sort(key=lambda v: -v.weight)
            del votes[self.max_reads :]
        if not votes:
            del self._votes[track_id]

    def current(self, track_id: Hashable) -> VotedPlate | None:
        """The vote so far, keeping the reads (None below `min_reads`)."""
        votes = self._votes.get(track_id, [])
        if len(votes) < self.min_reads:
            return None
        return vote([v.read for v in votes])

    def finish(self, track_id: Hashable) -> VotedPlate | None:
        """The track's plate, and the track forgotten (None below `min_reads`)."""
        result = self.current(track_id)
        self._votes.pop(track_id, None)
        return result

    def tracks(self) -> list[Hashable]:
        return list(self._votes)


def vote(reads: Sequence[PlateRead]) -> VotedPlate | None:
    """Character-level vote over reads of one plate (see the module docstring)."""
    votes = [_Vote(r, _distributions(r), max(r.confidence, 1e-3)) for r in reads if r.text]
    if not votes:
        return None
    by_length: dict[int, float] = defaultdict(float)
    for v in votes:
        by_length[len(v.read.text)] += v.weight
    total_weight = sum(by_length.values())
    length = max(by_length, key=lambda n: (by_length[n], n))
    same = [v for v in votes if len(v.read.text) == length]
    scores = np.zeros((length, len(PLATE_ALPHABET)))
    for v in same:
        scores += v.weight * v.dists
    participating = np.full(length, sum(v.weight for v in same))
    consensus = "".join(PLATE_ALPHABET[i] for i in scores.argmax(axis=1))
    for v in votes:
        if abs(len(v.read.text) - length) != 1:
            continue
        for mine, theirs in _align(consensus, v.read.text):
            if mine is not None and theirs is not None:
                scores[mine] += NEIGHBOUR_WEIGHT * v.weight * v.dists[theirs]
                participating[mine] += NEIGHBOUR_WEIGHT * v.weight
    winners = scores.argmax(axis=1)
    shares = scores[np.arange(length), winners] / np.maximum(participating, 1e-9)
    text = "".join(PLATE_ALPHABET[i] for i in winners)
    agreement = by_length[length] / total_weight
    logs = [math.log(max(float(s), 1e-6)) for s in shares]
    confidence = math.exp(sum(logs) / len(logs)) * agreement
    exact = [v for v in same if v.read.text == text]
    best = max(exact or same, key=lambda v: v.weight).read
    return VotedPlate(
        text=text,
        confidence=float(min(1.0, confidence)),
        votes=len(same),
        reads=len(votes),
        box=best.box,
        crop=best.crop,
        plate_format=best.plate_format,
    )


def _distributions(read: PlateRead) -> np.ndarray:
    if read.char_dists and len(read.char_dists) == len(read.text):
        return np.asarray(read.char_dists, dtype=np.float64)
    out = np.zeros((len(read.text), len(PLATE_ALPHABET)))
    for i, char in enumerate(read.text):
        index = _INDEX.get(char)
        if index is None:
            continue
        p = read.char_probs[i] if i < len(read.char_probs) else 1.0
        out[i, index] = p
        out[i] += (1.0 - p) / len(PLATE_ALPHABET)
    return out


def _align(a: str, b: str) -> list[tuple[int | None, int | None]]:
    """Levenshtein alignment: pairs of indices (None for a gap), in order."""
    n, m = len(a), len(b)
    cost = np.zeros((n + 1, m + 1), dtype=np.int32)
    cost[:, 0] = np.arange(n + 1)
    cost[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i, j] = min(
                cost[i - 1, j] + 1, cost[i, j - 1] + 1, cost[i - 1, j - 1] + (a[i - 1] != b[j - 1])
            )
    pairs: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and cost[i, j] == cost[i - 1, j - 1] + (a[i - 1] != b[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i > 0 and cost[i, j] == cost[i - 1, j] + 1:
            pairs.append((i - 1, None))
            i -= 1
        else:
            pairs.append((None, j - 1))
            j -= 1
    return pairs[::-1]

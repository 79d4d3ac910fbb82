"""One plate per track from noisy reads: character-level voting."""

from __future__ import annotations

import pytest

from citywatch.plates.types import PlateRead
from citywatch.plates.voting import PlateVoter, vote


def read(text: str, confidence: float = 0.8, box=(10, 10, 100, 25)) -> PlateRead:
    return PlateRead(text=text, box=box, confidence=confidence)


NOISY = ["LS15E8C", "L515EBC", "LS15EBG", "LS1SEBC", "LS15EBC", "IS15EBC"]


def test_characters_vote_where_whole_strings_would_not():
    # Each read has at most one character wrong, each in a different place: the right
    # string appears once only, yet every position has a clear majority.
    voted = vote([read(t) for t in NOISY])
    assert voted is not None and voted.text == "LS15EBC"
    assert voted.votes == voted.reads == len(NOISY)
    assert 0.5 < voted.confidence <= 1.0


def test_reads_one_character_off_in_length_are_aligned_not_discarded():
    reads = [read(t) for t in ["LS15EBC", "LS15E8C", "LS15EBCX", "LS15EB"]]
    voted = vote(reads)
    assert voted is not None and voted.text == "LS15EBC"
    assert voted.votes == 2 and voted.reads == 4


def test_confidence_weighs_reads():
    voted = vote([read("AB12CDE", 0.95), read("AB12COE", 0.3), read("AB12COE", 0.3)])
    assert voted is not None and voted.text == "AB12CDE"


def test_character_distributions_vote_when_present():
    # Two reads said 8 at the sixth place, but both were nearly split with B; one was sure.
    split = tuple(0.0 if c not in "8B" else (0.55 if c == "8" else 0.45) for c in _alphabet())
    sure_b = tuple(1.0 if c == "B" else 0.0 for c in _alphabet())

    def dists(text: str, sixth: tuple[float, ...]) -> tuple[tuple[float, ...], ...]:
        return tuple(sixth if i == 5 else _one_hot(c) for i, c in enumerate(text))

    reads = [
        PlateRead("LS15E8C", (0, 0, 1, 1), 0.8, char_dists=dists("LS15E8C", split)),
        PlateRead("LS15E8C", (0, 0, 1, 1), 0.8, char_dists=dists("LS15E8C", split)),
        PlateRead("LS15EBC", (0, 0, 1, 1), 0.8, char_dists=dists("LS15EBC", sure_b)),
    ]
    voted = vote(reads)
    assert voted is not None and voted.text == "LS15EBC"


def test_the_box_comes_from_the_best_read_of_the_result():
    voted = vote(
        [
            read("AB12CDE", 0.7, (1, 1, 5, 5)),
            read("AB12CDE", 0.9, (2, 2, 6, 6)),
            read("AB12CD", 0.99, (3, 3, 7, 7)),
        ]
    )
    assert voted is not None and voted.box == (2, 2, 6, 6)


def test_voter_per_track():
    voter = PlateVoter(min_reads=3)
    for text in NOISY[:2]:
        voter.observe(1, [read(text)])
    voter.observe(2, [read("AB12CDE")])
    voter.observe(3, [])
    assert voter.current(1) is None  # two reads, three wanted
    voter.observe(1, [read(NOISY[2])])
    assert voter.current(1) is not None and voter.current(1).text == "LS15EBC"
    assert sorted(voter.tracks()) == [1, 2]
    assert voter.finish(1) is not None and voter.finish(1) is None  # forgotten
    assert voter.finish(2) is None  # too few reads, and forgotten too
    assert voter.tracks() == []


def test_the_voter_keeps_the_most_confident_reads():
    voter = PlateVoter(max_reads=3)
    voter.observe("a", [read("XX00XXX", 0.1) for _ in range(5)])
    voter.observe("a", [read("AB12CDE", 0.9) for _ in range(3)])
    voted = voter.finish("a")
    assert voted is not None and voted.text == "AB12CDE" and voted.reads == 3


def test_bad_settings_and_empty_votes():
    with pytest.raises(ValueError):
        PlateVoter(min_reads=0)
    assert vote([]) is None and vote([read("")]) is None


def _alphabet() -> str:
    from citywatch.plates.patterns import PLATE_ALPHABET

    return PLATE_ALPHABET


def _one_hot(char: str) -> tuple[float, ...]:
    return tuple(1.0 if c == char else 0.0 for c in _alphabet())

import numpy as np
import pytest

from citywatch.gait.evaluate import Segment, allowed_pairs, retrieval, walking_direction


def test_retrieval_rank1_map_and_chance():
    ids = np.array([1, 1, 2, 2])
    d = np.array(
        [
            [0.0, 0.2, 0.1, 0.5],  # nearest is person 2: a rank-1 miss, AP 1/2
            [0.2, 0.0, 0.3, 0.4],  # hit, AP 1
            [0.1, 0.3, 0.0, 0.6],
            [0.5, 0.4, 0.6, 0.0],
        ]
    )
    allowed = ~np.eye(4, dtype=bool)
    queries = np.array([True, True, False, False])
    scores = retrieval(d, ids, allowed, queries)
    assert scores.queries == 2 and scores.rank1 == 0.5
    assert scores.mean_ap == pytest.approx(0.75)
    assert scores.chance == pytest.approx(1 / 3)


def test_retrieval_skips_queries_without_a_true_match_or_signature():
    ids = np.array([1, 2, 3])
    d = np.full((3, 3), 0.5)
    d[2] = np.nan
    scores = retrieval(d, ids, ~np.eye(3, dtype=bool))
    assert scores.queries == 0 and scores.rank1 == 0.0


def _segment(identity: int, first: int, last: int) -> Segment:
    return Segment(identity, first, last, "sideways", 0.0, 30, 40, None)


def test_same_person_only_from_another_time():
    segments = [_segment(1, 1, 40), _segment(1, 41, 80), _segment(1, 121, 160), _segment(2, 41, 80)]
    allowed = allowed_pairs(segments, fps=10.0, min_gap_s=4.0)
    assert allowed[0].tolist() == [False, False, True, True]
    assert allowed[3].tolist() == [True, True, True, False]


@pytest.mark.parametrize(
    ("dx", "dy", "expected"),
    [
        (40, 0, "sideways"),
        (-40, 5, "sideways"),
        (5, 40, "towards_away"),
        (30, 30, "oblique"),
        (1, 0, "still"),
    ],
)
def test_walking_direction(dx, dy, expected):
    steps = np.linspace(0, 1, 20)[:, None]
    xywh = np.hstack(
        [100 + dx * steps, 100 + dy * steps, np.full((20, 1), 20), np.full((20, 1), 50)]
    )
    assert walking_direction(xywh, seconds=1.0) == expected

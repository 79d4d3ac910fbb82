"""CMC rank-k and mAP on small distance matrices worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from citywatch.eval.reid_metrics import average_precision, pair_distances, ranking_scores


def test_average_precision_is_the_mean_precision_at_each_hit():
    assert average_precision(np.array([1, 0, 0, 0], bool)) == 1.0
    # hits at ranks 2 and 4: (1/2 + 2/4) / 2
    assert average_precision(np.array([0, 1, 0, 1], bool)) == pytest.approx(0.5)
    # hits at ranks 1 and 3: (1/1 + 2/3) / 2
    assert average_precision(np.array([1, 0, 1], bool)) == pytest.approx(5 / 6)
    assert average_precision(np.zeros(3, bool)) == 0.0


def test_rank_k_and_map_of_two_queries():
    gallery_ids = np.array([1, 2, 1, 2, 3, 3, 3])
    distances = np.array(
        [
            # query id 1: true matches at ranks 1 and 3 -> rank-1 hit, AP 5/6
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
            # query id 2: three id-3 items first, true matches at ranks 4 and 6 -> AP 7/24
            [0.9, 0.8, 0.7, 0.4, 0.1, 0.2, 0.3],
        ]
    )
    scores = ranking_scores(distances, np.array([1, 2]), gallery_ids)
    assert scores.rank1 == pytest.approx(0.5)
    assert scores.rank5 == pytest.approx(1.0)
    assert scores.mean_ap == pytest.approx((5 / 6 + (1 / 4 + 2 / 6) / 2) / 2)
    assert (scores.queries, scores.unscored) == (2, 0)


def test_junk_is_neither_hit_nor_miss():
    distances = np.array([[0.0, 0.1, 0.2, 0.3]])
    gallery_ids = np.array([7, 8, 7, 8])
    # without junk: the query itself (distance 0) is a rank-1 hit
    assert ranking_scores(distances, np.array([7]), gallery_ids).rank1 == 1.0
    junk = np.array([[True, False, False, False]])
    scores = ranking_scores(distances, np.array([7]), gallery_ids, junk)
    # left: id 8 at rank 1, id 7 at rank 2 -> missed at rank 1, AP 1/2
    assert scores.rank1 == 0.0 and scores.rank5 == 1.0
    assert scores.mean_ap == pytest.approx(0.5)
    # a junk impostor is removed too: it no longer pushes the true match down
    junk = np.array([[True, True, False, False]])
    assert ranking_scores(distances, np.array([7]), gallery_ids, junk).rank1 == 1.0


def test_queries_without_a_true_match_are_not_scored():
    distances = np.array([[0.1, 0.2], [0.3, 0.1]])
    scores = ranking_scores(distances, np.array([1, 5]), np.array([1, 2]))
    assert (scores.queries, scores.unscored) == (1, 1)
    assert scores.rank1 == 1.0 and scores.mean_ap == 1.0
    nothing = ranking_scores(distances, np.array([4, 5]), np.array([1, 2]))
    assert nothing.queries == 0 and math.isnan(nothing.rank1)


def test_ties_keep_gallery_order():
    distances = np.array([[0.5, 0.5, 0.5]])
    assert ranking_scores(distances, np.array([2]), np.array([1, 2, 2])).rank1 == 0.0
    assert ranking_scores(distances, np.array([2]), np.array([2, 1, 1])).rank1 == 1.0


def test_shapes_must_agree():
    with pytest.raises(ValueError, match="ids give"):
        ranking_scores(np.zeros((2, 3)), np.array([1, 2]), np.array([1, 2]))
    with pytest.raises(ValueError, match="junk"):
        ranking_scores(np.zeros((1, 2)), np.array([1]), np.array([1, 2]), np.zeros((2, 2), bool))


def test_pair_distances_take_each_unordered_non_junk_pair_once():
    distances = np.array([[0.0, 0.2, 0.7], [0.2, 0.0, 0.9], [0.7, 0.9, 0.0]])
    ids = np.array([1, 1, 2])
    junk = np.eye(3, dtype=bool)
    d, same = pair_distances(distances, ids, junk)
    assert d.tolist() == [0.2, 0.7, 0.9] and same.tolist() == [True, False, False]
    junk[0, 1] = junk[1, 0] = True  # the same person too close in time
    d, same = pair_distances(distances, ids, junk)
    assert d.tolist() == [0.7, 0.9] and not same.any()

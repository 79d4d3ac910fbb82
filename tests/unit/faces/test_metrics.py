"""Verification statistics and threshold rules on numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from citywatch.faces.base import cosine_distance, l2_normalise
from citywatch.faces.metrics import eer_threshold, threshold_at_fmr, verification_stats

DISTANCES = np.array([0.1, 0.2, 0.35, 0.6, 0.4, 0.7, 0.8, 0.9, 1.0, 0.3])
SAME = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], dtype=bool)


def test_stats_count_false_matches_and_non_matches():
    s = verification_stats(DISTANCES, SAME, 0.5)
    assert (s.genuine, s.impostor) == (4, 6)
    assert s.false_non_matches == 1  # the genuine pair at 0.6
    assert s.false_matches == 2  # the impostors at 0.4 and 0.3
    assert s.accuracy == pytest.approx(0.7)
    assert s.fmr == pytest.approx(2 / 6) and s.fnmr == pytest.approx(1 / 4)


def test_eer_threshold_is_the_middle_of_the_best_interval():
    separable = np.array([0.1, 0.2, 0.3, 0.6, 0.7])
    labels = np.array([1, 1, 1, 0, 0], dtype=bool)
    threshold, eer = eer_threshold(separable, labels)
    assert eer == 0.0 and threshold == pytest.approx(0.45)


def test_threshold_at_fmr_stays_below_the_allowed_impostors():
    impostors = np.linspace(0.5, 1.0, 1000)
    threshold = threshold_at_fmr(impostors, 0.001)
    assert verification_stats(impostors, np.zeros(1000, bool), threshold).false_matches <= 1
    assert threshold < impostors[1]


def test_cosine_distance_of_normalised_rows():
    a = l2_normalise(np.array([[1.0, 0.0], [0.0, 2.0]]))
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert np.allclose(cosine_distance(a, a), [[0.0, 1.0], [1.0, 0.0]])

"""AutoIndex: exact while small, IVF past the threshold, ids and deletions kept across."""

from __future__ import annotations

import numpy as np

from citywatch.vectors import open_index
from citywatch.vectors.auto import AutoIndex
from citywatch.vectors.ivf import IVFIndex
from citywatch.vectors.synthetic import ClusteredSpec, clustered, noisy_queries
from conftest import ids_for


def test_switches_past_threshold_and_keeps_recall_on_20k():
    spec = ClusteredSpec(seed=3)
    stored = clustered(20_000, 64, spec)
    queries, _ = noisy_queries(stored, 1000, spec)
    # People arrive in no particular order: the generator writes one group after another, and
    # centroids trained on the first groups alone would not cover the later ones.
    stored = stored[np.random.default_rng(1).permutation(20_000)]
    ids = ids_for(20_000)
    index = AutoIndex(64, threshold=2_000)
    for start in range(0, 20_000, 1_500):
        index.add(ids[start : start + 1_500], stored[start : start + 1_500])
        assert index.approximate == (len(index) > 2_000)
    assert isinstance(index.inner, IVFIndex) and len(index) == 20_000
    assert index.inner.trained_on > 2_000  # retrained as it grew
    truth = ids[np.argmax(queries @ stored.T, axis=1)]
    _, found = index.search(queries, k=1)
    assert (found[:, 0] == truth).mean() >= 0.99


def test_one_large_batch_goes_straight_to_ivf(vectors):
    index = AutoIndex(32, threshold=500)
    index.add(ids_for(2000), vectors)
    assert index.approximate and index.inner.trained_on == 2000
    _, found = index.search(vectors[:200], k=1)
    assert (found[:, 0] == ids_for(2000)[:200]).mean() >= 0.99


def test_removed_ids_stay_gone_across_the_switch_and_a_reload(vectors, tmp_path):
    ids = ids_for(2000)
    index = AutoIndex(32, threshold=500)
    index.add(ids[:400], vectors[:400])
    before = ids[:400:4]
    assert index.remove(before) == before.size and not index.approximate
    index.add(ids[400:], vectors[400:])  # switch: built from what the exact index holds
    assert index.approximate and len(index) == 2000 - before.size
    after = ids[1000:2000:5]
    assert index.remove(after) == after.size
    gone = np.concatenate([before, after])
    rows = np.concatenate([np.arange(0, 400, 4), np.arange(1000, 2000, 5)])
    _, found = index.search(vectors[rows], k=20)
    assert not np.isin(found, gone).any()
    index.save(tmp_path)
    loaded = open_index(tmp_path)
    assert isinstance(loaded, AutoIndex) and loaded.approximate
    _, found = loaded.search(vectors[rows], k=20)
    assert not np.isin(found, gone).any()
    assert not any(loaded.contains(int(i)) for i in gone)


def test_readding_during_the_switch_replaces(vectors):
    index = AutoIndex(32, threshold=500)
    index.add(ids_for(500), vectors[:500])
    # one batch crossing the threshold that also re-adds 100 held ids with new vectors
    batch_ids = np.concatenate([ids_for(100), ids_for(1500)[500:]])
    batch = np.concatenate([vectors[1500:1600], vectors[500:1500]])
    index.add(batch_ids, batch)
    assert index.approximate and len(index) == 1500
    distances, found = index.search(vectors[1500:1600], k=1)
    assert (found[:, 0] == ids_for(100)).mean() >= 0.99 and np.median(distances) < 1e-4


def test_falls_back_to_exact_when_removals_shrink_it(vectors):
    index = AutoIndex(32, threshold=500)
    index.add(ids_for(1000), vectors[:1000])
    assert index.approximate
    index.remove(ids_for(1000)[:800])
    assert not index.approximate and len(index) == 200
    _, found = index.search(vectors[800:1000], k=1)
    np.testing.assert_array_equal(found[:, 0], ids_for(1000)[800:])

"""Every index kind: add, replace, search, remove, contains, pad, reject bad input."""

from __future__ import annotations

import numpy as np
import pytest

from citywatch.vectors import VectorIndex, VectorInputError
from citywatch.vectors.synthetic import normalise
from conftest import DIM, ids_for


def filled(make_index, vectors, count=1000):
    index = make_index()
    index.add(ids_for(count), vectors[:count])
    return index


def test_implements_the_protocol(make_index):
    assert isinstance(make_index(), VectorIndex)


def test_each_stored_vector_finds_itself(make_index, vectors):
    index = filled(make_index, vectors)
    assert len(index) == 1000 and index.dim == DIM
    distances, ids = index.search(vectors[:1000], k=3)
    assert distances.shape == ids.shape == (1000, 3)
    assert ids.dtype == np.int64 and distances.dtype == np.float32
    assert (ids[:, 0] == ids_for(1000)).mean() >= 0.99
    assert np.all(distances[:, 0][ids[:, 0] == ids_for(1000)] < 1e-4)
    assert np.all(np.diff(distances, axis=1) >= -1e-6)  # nearest first


def test_one_dimensional_query_is_one_row(make_index, vectors):
    index = filled(make_index, vectors, 500)
    distances, ids = index.search(vectors[3], k=1)
    assert ids.shape == (1, 1) and ids[0, 0] == ids_for(500)[3]


def test_distance_is_one_minus_cosine(make_index, vectors):
    index = filled(make_index, vectors, 500)
    distances, ids = index.search(vectors[600], k=5)
    rows = (ids[0] - 11) // 7
    expected = 1.0 - vectors[rows] @ vectors[600]
    np.testing.assert_allclose(distances[0], expected, atol=1e-4)


def test_readding_an_id_replaces_its_vector(make_index, vectors):
    index = filled(make_index, vectors, 500)
    target = int(ids_for(500)[10])
    index.add([target], vectors[1500:1501])
    assert len(index) == 500
    distances, ids = index.search(vectors[1500], k=1)
    assert ids[0, 0] == target and distances[0, 0] < 1e-4
    _, ids = index.search(vectors[10], k=500)
    row = np.flatnonzero(ids[0] == target)
    assert row.size <= 1  # held once, under its new vector
    expected = 1.0 - float(vectors[1500] @ vectors[10])
    if row.size:
        found, _ = index.search(vectors[10], k=int(row[0]) + 1)
        assert abs(found[0, -1] - expected) < 1e-4


def test_within_one_batch_the_last_row_of_an_id_wins(make_index, vectors):
    index = make_index()
    index.add([5, 6, 5], vectors[:3])
    assert len(index) == 2
    _, ids = index.search(vectors[2], k=1)
    assert ids[0, 0] == 5
    distances, ids = index.search(vectors[0], k=2)
    of_five = distances[0][ids[0] == 5]
    np.testing.assert_allclose(of_five, [1.0 - float(vectors[0] @ vectors[2])], atol=1e-4)


def test_removed_ids_are_never_returned(make_index, vectors):
    index = filled(make_index, vectors)
    gone = ids_for(1000)[::3]
    assert index.remove(np.concatenate([gone, [999_999_999]])) == gone.size
    assert len(index) == 1000 - gone.size
    assert not index.contains(int(gone[0])) and index.contains(int(ids_for(1000)[1]))
    _, ids = index.search(vectors[:1000:3], k=10)
    assert not np.isin(ids, gone).any()
    assert index.remove(gone) == 0
    assert set(index.ids().tolist()) == set(ids_for(1000).tolist()) - set(gone.tolist())


def test_fewer_than_k_vectors_pad_with_minus_one(make_index, vectors):
    index = make_index()
    distances, ids = index.search(vectors[:2], k=4)
    assert (ids == -1).all() and np.isinf(distances).all()
    index.add([1, 2], vectors[:2])
    distances, ids = index.search(vectors[:1], k=4)
    assert sorted(ids[0, :2].tolist()) == [1, 2]
    assert (ids[0, 2:] == -1).all() and np.isinf(distances[0, 2:]).all()


def test_contains_and_ids(make_index, vectors):
    index = make_index()
    assert not index.contains(3) and index.ids().size == 0
    index.add([3, 4], vectors[:2])
    assert index.contains(3) and not index.contains(5) and not index.contains(-1)
    assert sorted(index.ids().tolist()) == [3, 4]
    assert index.memory_bytes() > 0


@pytest.mark.parametrize(
    ("ids", "rows", "message"),
    [
        ([1], np.ones((1, DIM + 1), np.float32), "dimension"),
        ([1, 2], np.ones((1, DIM), np.float32), "2 ids for 1 vectors"),
        ([-4], None, ">= 0"),
        ([1.5], None, "integers"),
    ],
)
def test_bad_batches_are_refused(make_index, vectors, ids, rows, message):
    index = make_index()
    batch = vectors[: len(ids)] if rows is None else normalise(rows)
    with pytest.raises(VectorInputError, match=message):
        index.add(ids, batch)
    assert len(index) == 0


def test_nan_and_unnormalised_vectors_are_refused(make_index, vectors):
    index = make_index()
    bad = vectors[:3].copy()
    bad[1, 4] = np.nan
    with pytest.raises(VectorInputError, match="row 1 has NaN"):
        index.add([1, 2, 3], bad)
    with pytest.raises(VectorInputError, match="norm 3"):
        index.add([1], vectors[:1] * 3)
    index.add([1], vectors[:1])
    with pytest.raises(VectorInputError, match="queries have dimension 8"):
        index.search(np.ones(8, np.float32) / np.sqrt(8))
    with pytest.raises(VectorInputError, match="NaN"):
        index.search(np.full(DIM, np.nan, np.float32))
    with pytest.raises(VectorInputError, match="k must be"):
        index.search(vectors[0], k=0)
    assert len(index) == 1


def test_nearly_unit_rows_are_renormalised_without_touching_the_input(make_index, vectors):
    index = make_index()
    rows = vectors[:2] * np.float32(1.003)
    before = rows.copy()
    index.add([1, 2], rows)
    np.testing.assert_array_equal(rows, before)
    distances, ids = index.search(vectors[0], k=1)
    assert ids[0, 0] == 1 and distances[0, 0] < 1e-4

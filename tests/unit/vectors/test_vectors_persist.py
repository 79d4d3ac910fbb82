"""Saving and loading: round trips, the metadata file, atomic saves, broken directories."""

from __future__ import annotations

import json

import numpy as np
import pytest

from citywatch.vectors import IndexFileError, VectorInputError, open_index, persist
from citywatch.vectors.exact import ExactIndex
from conftest import DIM, FACTORIES, ids_for


def test_round_trip_keeps_ids_vectors_and_removals(make_index, vectors, tmp_path):
    index = make_index()
    index.add(ids_for(1000), vectors[:1000])
    gone = ids_for(1000)[:100]
    index.remove(gone)
    index.save(tmp_path / "idx")
    loaded = open_index(tmp_path / "idx")
    assert type(loaded) is type(index)
    assert len(loaded) == 900 and loaded.dim == DIM
    assert not loaded.contains(int(gone[0])) and loaded.contains(int(ids_for(1000)[500]))
    _, before = index.search(vectors[:1000], k=5)
    _, after = loaded.search(vectors[:1000], k=5)
    np.testing.assert_array_equal(before[:, 0], after[:, 0])
    assert not np.isin(after, gone).any()
    loaded.add([int(gone[0])], vectors[:1])  # a loaded index stays mutable
    assert loaded.contains(int(gone[0])) and len(loaded) == 901


def test_metadata_names_kind_dim_count_version(make_index, vectors, tmp_path):
    index = make_index()
    index.add(ids_for(400), vectors[:400])
    index.save(tmp_path)
    meta = json.loads((tmp_path / "index.json").read_text())
    assert meta["kind"] == index.kind and meta["dim"] == DIM and meta["count"] == 400
    assert meta["version"] == persist.VERSION and meta["metric"] == "cosine"
    assert all((tmp_path / name).is_file() for name in meta["files"].values())


def test_saving_again_replaces_the_previous_generation(make_index, vectors, tmp_path):
    index = make_index()
    index.add(ids_for(300), vectors[:300])
    index.save(tmp_path)
    first = set(p.name for p in tmp_path.iterdir())
    index.add(ids_for(600)[300:], vectors[300:600])
    index.save(tmp_path)
    second = set(p.name for p in tmp_path.iterdir())
    assert first & second == {"index.json"}
    assert second == {"index.json", *persist.read_meta(tmp_path).files.values()}
    assert len(open_index(tmp_path)) == 600


def test_an_empty_index_round_trips(make_index, tmp_path):
    make_index().save(tmp_path)
    loaded = open_index(tmp_path)
    assert len(loaded) == 0 and (loaded.search(np.eye(DIM, dtype=np.float32)[0])[1] == -1).all()


@pytest.mark.parametrize("crash_at", ["data file", "metadata rename"])
def test_a_crash_mid_save_leaves_the_old_index(vectors, tmp_path, monkeypatch, crash_at):
    for kind in ("exact", "auto"):
        folder = tmp_path / kind
        index = FACTORIES[kind]()
        index.add(ids_for(200), vectors[:200])
        index.save(folder)
        index.add(ids_for(1000)[200:], vectors[200:1000])  # auto: now IVF, other files

        def crash_on_data(path, real_fsync=persist._fsync_file):
            real_fsync(path)
            if path.name.endswith(".tmp") and not path.name.startswith("index.json"):
                path.write_bytes(path.read_bytes()[:10])  # half written
                raise OSError("disk gone")

        def crash_on_commit(source, target, real_replace=persist.os.replace):
            if str(target).endswith("index.json"):
                raise OSError("power cut")
            real_replace(source, target)

        with monkeypatch.context() as patch:
            if crash_at == "data file":
                patch.setattr(persist, "_fsync_file", crash_on_data)
            else:
                patch.setattr(persist.os, "replace", crash_on_commit)
            with pytest.raises(OSError):
                index.save(folder)
        old = open_index(folder)
        assert len(old) == 200 and old.kind == kind
        _, ids = old.search(vectors[:200], k=1)
        assert (ids[:, 0] == ids_for(200)).mean() >= 0.99
        index.save(folder)  # the next save works and cleans up the leftovers
        assert len(open_index(folder)) == 1000
        assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
        assert len(list(folder.iterdir())) == 1 + len(persist.read_meta(folder).files)


def test_missing_and_broken_directories_say_what_is_wrong(vectors, tmp_path):
    with pytest.raises(IndexFileError, match="index.json missing"):
        open_index(tmp_path)
    index = ExactIndex(DIM)
    index.add([1, 2], vectors[:2])
    index.save(tmp_path)
    meta = json.loads((tmp_path / "index.json").read_text())
    (tmp_path / meta["files"]["vectors"]).unlink()
    with pytest.raises(IndexFileError, match="missing"):
        open_index(tmp_path)
    index.save(tmp_path)
    meta = json.loads((tmp_path / "index.json").read_text())
    meta["count"] = 5
    (tmp_path / "index.json").write_text(json.dumps(meta))
    with pytest.raises(IndexFileError, match="says 5"):
        open_index(tmp_path)
    meta["count"], meta["version"] = 2, persist.VERSION + 1
    (tmp_path / "index.json").write_text(json.dumps(meta))
    with pytest.raises(IndexFileError, match="version"):
        open_index(tmp_path)
    (tmp_path / "index.json").write_text("{not json")
    with pytest.raises(IndexFileError, match="unreadable"):
        open_index(tmp_path)


def test_loading_as_the_wrong_class_is_refused(vectors, tmp_path):
    index = FACTORIES["ivf"]()
    index.add(ids_for(100), vectors[:100])
    index.save(tmp_path)
    with pytest.raises(VectorInputError, match="'ivf' index"):
        ExactIndex.load(tmp_path)

import time

import numpy as np
import pytest

from citywatch.core.classes import ObjectClass
from citywatch.core.errors import UsageError
from citywatch.core.records import Alert, Sighting, TrackRecord
from citywatch.store import open_store
from citywatch.store.watchlists import EnrolmentPhoto, FaceRecords, expiry_from_date


def unit(seed: int, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def photo(seed: int) -> EnrolmentPhoto:
    image = np.full((40, 30, 3), seed * 20 % 255, np.uint8)
    return EnrolmentPhoto(image=image, embedding=unit(seed), embedder="toy", quality=0.9)


@pytest.fixture
def records(tmp_path):
    store = open_store(None, tmp_path)
    yield FaceRecords(store)
    store.close()


def test_enrolment_keeps_photos_and_only_active_entries_match(records, tmp_path):
    later = time.time() + 3600
    alice = records.add_entry(
        "Alice", "case 12 suspect", "court order 7/2026", "ops1", later, [photo(1), photo(2)]
    )
    bob = records.add_entry("Bob", "missing person", "consent of family", "ops1", later, [photo(3)])
    (entry,) = [e for e in records.entries() if e.id == alice]
    assert entry.photos == 2 and entry.enrolled_by == "ops1" and entry.active(time.time())
    vectors = records.watchlist_vectors("toy")
    assert sorted(v.owner_id for v in vectors) == [alice, alice, bob]
    assert np.allclose(vectors[0].embedding, unit(1))
    assert records.watchlist_vectors("other-model") == []
    assert len(list((tmp_path / "media/watchlist").rglob("*.jpg"))) == 3

    assert records.remove_entry(bob) and not records.remove_entry(bob)
    assert {v.owner_id for v in records.watchlist_vectors("toy")} == {alice}
    # past its expiry an entry no longer matches, though it stays on record
    assert records.watchlist_vectors("toy", now=later + 1) == []
    assert len(records.entries(include_inactive=True)) == 2 and records.entries(now=later + 1) == []


@pytest.mark.parametrize(
    ("name", "why", "basis", "by", "expires", "photos", "message"),
    [
        ("", "r", "b", "u", 1, 1, "name"),
        ("n", "r", "", "u", 1, 1, "legal basis"),
        ("n", "r", "b", "", 1, 1, "user"),
        ("n", "r", "b", "u", -1, 1, "future"),
        ("n", "r", "b", "u", 1, 0, "at least one photo"),
    ],
)
def test_incomplete_enrolments_are_refused_and_store_nothing(
    records, name, why, basis, by, expires, photos, message
):
    with pytest.raises(UsageError, match=message):
        records.add_entry(name, why, basis, by, time.time() + 3600 * expires, [photo(1)] * photos)
    assert records.entries(include_inactive=True) == []


def test_alert_is_stored_with_its_evidence(records, tmp_path):
    entry = records.add_entry("Alice", "r", "b", "u", time.time() + 60, [photo(1)])
    alert = Alert(
        camera_id="gate",
        time=time.time(),
        run_id="r1",
        track_local_id=4,
        entry_id=entry,
        entry_name="Alice",
        distance=0.21,
        threshold=0.4,
        embedder="toy",
        face_box=(10, 20, 30, 40),
        evidence=np.zeros((30, 30, 3), np.uint8),
    )
    alert_id = records.save_alert(alert)
    (stored,) = records.alerts()
    assert stored.id == alert_id and stored.entry_name == "Alice" and stored.review == "pending"
    assert stored.face_box == (10, 20, 30, 40) and stored.track_local_id == 4
    assert (tmp_path / stored.evidence_path).is_file()
    assert records.alerts(camera_id="elsewhere") == []


def test_face_sighting_embeddings_round_trip(records):
    store = records.store
    now = time.time()
    track = TrackRecord("gate", "r1", 1, ObjectClass.PERSON, now, now + 2, 20)
    face = Sighting(
        "gate", "face", now, now + 2, now + 1, (1, 2, 3, 4), 0.9, embedding=unit(5), embedder="toy"
    )
    body = Sighting("gate", "object", now, now + 2, now + 1, (1, 2, 30, 40), 0.9)
    store.save_track(track, [body, face])
    vectors = records.face_vectors("toy")
    assert len(vectors) == 1 and np.allclose(vectors[0].embedding, unit(5))
    assert records.face_vectors("toy", after_id=vectors[0].id) == []
    (info,) = store.sightings_by_id([vectors[0].id])
    assert info.kind == "face" and info.embedder == "toy"
    assert records.face_sighting_ids("toy") == {vectors[0].id}


def test_expiry_dates():
    assert expiry_from_date("2030-01-31") > expiry_from_date("2030-01-30T12:00:00")
    with pytest.raises(UsageError, match="--expires"):
        expiry_from_date("next tuesday")

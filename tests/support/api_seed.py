"""A store seeded for the API's data-route tests, and an app with those routers only.

The seed is what the routes read: cameras (two configured, one only in the store), person
tracks with thumbnails, appearances and identities (colour-stripe embeddings, so person search
needs no model file), events of three shapes (an object's, a scene's, an offence with a clip),
a watchlist entry with a face alert, a plate read with a hotlist alert, and face sightings with
embeddings. Times start at T0 and are spread so filters have something to split.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient

from citywatch.api.deps import current_user
from citywatch.api.errors import install_error_handlers
from citywatch.api.roles import Role, User
from citywatch.api.routers import (
    alerts,
    audit,
    cameras,
    cases,
    events,
    live,
    persons,
    plates,
    review,
    search,
    watchlists,
)
from citywatch.api.services import ApiServices
from citywatch.bus.local import LocalBus
from citywatch.config import parse_config
from citywatch.core.classes import ObjectClass
from citywatch.core.records import (
    Alert,
    Event,
    PlateRecord,
    Sighting,
    TrackAppearance,
    TrackPoint,
    TrackRecord,
)
from citywatch.models import ModelRegistry
from citywatch.reid.embedders import ColourStripeEmbedder
from citywatch.store import Store, open_store
from citywatch.store.plates import PlateRecords
from citywatch.store.watchlists import EnrolmentPhoto, FaceRecords

T0 = 1_700_000_000.0
ROUTERS = (alerts, audit, cameras, cases, events, live, persons, plates, review, search, watchlists)
# The open case the investigator is assigned to, and what searches and enrolments send with it.
CASE = "2026-0001"
OTHER_CASE = "2026-0002"  # open, the investigator not assigned
CLOSED_CASE = "2026-0000"
PURPOSE = "find the person seen at the gate"
IN_CASE = {"case": CASE, "purpose": PURPOSE}


def in_case(url: str, case: str = CASE) -> str:
    """`url` with the case and purpose a GET search must send."""
    from urllib.parse import urlencode

    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}{urlencode({'case': case, 'purpose': PURPOSE})}"


FACE_EMBEDDER = "test-faces"
FACE_DIM = 16
CONFIG = {
    "site": {"name": "depot", "width": 50, "height": 40},
    "reid": {"embedder": "colour"},
    "cameras": [
        {
            "id": "gate",
            "name": "Main gate",
            "source": "rtsp://admin:secret@10.0.0.5/stream",
            "position": {"x": 5, "y": 10},
        },
        {"id": "yard", "source": "/videos/yard.mp4", "position": {"x": 30, "y": 20}},
    ],
}


def person_crop(colour: tuple[int, int, int], seed: int = 0) -> np.ndarray:
    """A 192x64 'person': a top of `colour` over dark trousers, with a little noise."""
    rng = np.random.default_rng(seed)
    crop = np.zeros((192, 64, 3), np.uint8)
    crop[:96] = colour
    crop[96:] = (60, 40, 30)
    noise = rng.integers(0, 12, crop.shape, dtype=np.uint8)
    return np.asarray(np.clip(crop.astype(int) + noise, 0, 255), np.uint8)


RED = (30, 30, 220)  # BGR
BLUE = (200, 60, 20)


def unit(rng: np.random.Generator, dim: int = FACE_DIM) -> np.ndarray:
    vector = rng.normal(size=dim).astype(np.float32)
    return np.asarray(vector / np.linalg.norm(vector), np.float32)


@dataclass
class Seeded:
    store: Store
    data_dir: Path
    ids: dict[str, Any] = field(default_factory=dict)


def seed(store: Store, services_config: Any) -> Seeded:
    """Everything the routes read; `ids` names the rows the tests ask for."""
    for camera in services_config.cameras:
        store.upsert_camera(camera)
    seeded = Seeded(store, store.data_dir)
    ids = seeded.ids
    colour = ColourStripeEmbedder()
    rng = np.random.default_rng(7)

    # Person tracks: one person (identity "person-a", red top) on gate then yard, another
    # (blue top) on yard; one track on a camera only the store knows.
    people = [
        ("gate", 1, T0, RED, "person-a", "new", None),
        ("yard", 2, T0 + 60, RED, "person-a", "appearance", 0.12),
        ("yard", 3, T0 + 120, BLUE, "person-b", "new", None),
        ("old", 4, T0 + 180, BLUE, "person-c", "new", None),
    ]
    for camera, local, t, top, identity, link, distance in people:
        crop = person_crop(top, seed=local)
        track = TrackRecord(
            camera, "run-1", local, ObjectClass.PERSON, t, t + 10.0, 50, (TrackPoint(t, 1, 2),)
        )
        body = Sighting(camera, "object", t, t + 10.0, t + 2.0, (10, 20, 64, 192), 0.9, crop)
        red = top == RED
        appearance = TrackAppearance(
            embedder=colour.name,
            embedding=colour.embed([crop])[0],
            identity_id=identity,
            crops=5,
            link_distance=distance,
            link_source=link,
            attributes={
                "upper_colour": "red" if red else "blue",
                "lower_colour": "black",
                "bag": 0.9 if red else 0.1,
                "body_crops": 5,
            },
        )
        store.save_track(track, [body], appearance)

    # Face sightings with embeddings (a face search finds these by vector).
    faces = FaceRecords(store)
    ids["face_query"] = unit(rng)
    near = ids["face_query"] + 0.05 * unit(rng)
    near = near / np.linalg.norm(near)
    for camera, local, t, vector in (
        ("gate", 11, T0 + 5, near),
        ("gate", 12, T0 + 20, near),  # same visit as the one before (within 60 s)
        ("yard", 13, T0 + 300, near),
        ("yard", 14, T0 + 400, unit(rng)),  # someone else
    ):
        track = TrackRecord(camera, "run-1", local, ObjectClass.PERSON, t, t + 5.0, 10)
        face = Sighting(
            camera,
            "face",
            t,
            t + 5.0,
            t + 1.0,
            (20, 20, 48, 48),
            0.8,
            person_crop(RED, local)[:64],
            embedding=np.asarray(vector, np.float32),
            embedder=FACE_EMBEDDER,
        )
        store.save_track(track, [face])

    # Events: an object's (crop), a scene's (whole frame), an offence (plate, clip).
    clip = Path("media") / "clips" / "gate" / "offence.mp4"
    (store.data_dir / clip).parent.mkdir(parents=True, exist_ok=True)
    (store.data_dir / clip).write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    store.save_event(
        Event("gate", T0 + 1, "intrusion", "flowerbed", {"zone": "bed"}, "run-1", 1,
              thumbnail=person_crop(RED, 1))
    )  # fmt: skip
    store.save_event(
        Event("yard", T0 + 130, "crowding", "yard-crowd", {"count": 6}, "run-1", None,
              thumbnail=np.full((120, 160, 3), 128, np.uint8))
    )  # fmt: skip
    store.save_event(
        Event(
            "gate",
            T0 + 200,
            "red_light",
            "junction-red",
            {"offence": True, "plate": "AB12CDE", "light": "red", "speed": 12.5},
            "run-1",
            5,
            thumbnail=person_crop(BLUE, 5),
            clip_path=clip.as_posix(),
        )
    )
    store.flush()
    ordered = store.events(limit=10)
    ids["events"] = {e.type: e.id for e in ordered}

    # A watchlist entry and a face alert on it.
    photo = EnrolmentPhoto(person_crop(RED, 9)[:64], unit(rng), FACE_EMBEDDER, 0.9)
    entry = faces.add_entry("Jane Doe", "missing person", "case 42", "admin", T0 + 10**9, [photo])
    ids["entry"] = entry
    ids["face_alert"] = faces.save_alert(
        Alert(
            "gate",
            T0 + 6,
            "run-1",
            11,
            entry,
            "Jane Doe",
            0.21,
            0.4,
            FACE_EMBEDDER,
            (20, 20, 48, 48),
            evidence=person_crop(RED, 11)[:64],
        )
    )
    ids["face_alert_2"] = faces.save_alert(
        Alert("yard", T0 + 301, "run-1", 13, entry, "Jane Doe", 0.3, 0.4, FACE_EMBEDDER,
              (20, 20, 48, 48))
    )  # fmt: skip

    # A vehicle with its plate, on the hotlist, and the plate alert.
    vehicle = np.full((90, 160, 3), 70, np.uint8)
    plate = PlateRecord("gate", T0 + 50, "LS12ABC", 0.93, 7, (40, 60, 50, 12), "car", "grey",
                        thumbnail=vehicle)  # fmt: skip
    car = TrackRecord("gate", "run-1", 20, ObjectClass.VEHICLE, T0 + 45, T0 + 55, 30)
    store.save_track(car, [], plate=plate)
    other = PlateRecord("yard", T0 + 500, "XY99ZZZ", 0.8, 4, (0, 0, 40, 10))
    store.save_track(
        TrackRecord("yard", "run-1", 21, ObjectClass.VEHICLE, T0 + 495, T0 + 505, 30),
        [],
        plate=other,
    )
    plates = PlateRecords(store)
    hotlist = plates.add_hotlist("LS1*", "stolen", "police request 7", "admin", time.time() + 3600)
    ids["hotlist"] = hotlist
    entry_info = next(e for e in plates.hotlist() if e.id == hotlist)
    ids["plate_alert"] = plates.save_alert(plate, entry_info, "run-1", 20)
    store.flush()
    ids["plate_reads"] = {r.text: r.id for r in plates.search("*")}
    seed_cases(store)
    return seeded


def seed_cases(store: Store) -> None:
    """Users whose ids match `user_for` (viewer 1, investigator 2, admin 3), the investigator
    assigned to CASE only, and a closed case."""
    from argon2 import PasswordHasher

    from citywatch.store.cases import CaseRecords
    from citywatch.store.users import UserRecords

    users = UserRecords(store, PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    for role in Role:
        made = users.add_user(role.label, "a long enough password", role)
        assert made.id == int(role), "user_for(role) assumes these ids"
    records = CaseRecords(store)
    records.create(CLOSED_CASE, "an old case", "", "admin")
    records.close(CLOSED_CASE)
    records.create(CASE, "the gate", "who was at the gate", "admin")
    records.add_member(CASE, Role.INVESTIGATOR.label, "admin")
    records.create(OTHER_CASE, "someone else's", "", "admin")


class FakeFaces:
    """Finds one face in any picture with detail in it, none in a flat one; every face
    embeds to `vector`. Enough for the routes' own logic; the models are tested elsewhere."""

    threshold = 0.4

    def __init__(self, vector: np.ndarray) -> None:
        self.vector = vector
        self.embedder = SimpleNamespace(name=FACE_EMBEDDER)
        self.detector = SimpleNamespace(detect=self._detect)

    def _detect(self, image: np.ndarray) -> Any:
        return _Found(0 if float(image.std()) == 0.0 else 1)

    def main_face(self, image: np.ndarray) -> tuple[Any, int]:
        if float(image.std()) == 0.0:
            return None, 0
        face = SimpleNamespace(
            embedding=self.vector, width=100.0, quality=SimpleNamespace(score=0.9)
        )
        return face, 1


class _Found:
    def __init__(self, n: int) -> None:
        self.area = np.full(n, 10_000.0)

    def __len__(self) -> int:
        return len(self.area)


def make_services(data_dir: Path, config: dict[str, Any] | None = None) -> ApiServices:
    settings = parse_config(config or CONFIG)
    store = open_store(None, data_dir)
    return ApiServices(settings, store, data_dir, LocalBus(), ModelRegistry(None))


def make_app(services: ApiServices) -> FastAPI:
    """The data routers on a bare app with the production error handlers."""
    app = FastAPI()
    app.state.services = services
    install_error_handlers(app)
    for module in ROUTERS:
        app.include_router(module.router)
    return app


def user_for(role: Role) -> User:
    return User(int(role), role.label, role, "token")


def as_role(app: FastAPI, role: Role) -> None:
    app.dependency_overrides[current_user] = lambda: user_for(role)


@dataclass
class Served:
    """A real server over the data routers (see tests/integration/api_routes/conftest.py)."""

    url: str
    services: ApiServices


@dataclass
class Clients:
    """TestClients for one app, one a role (the override is set before each request)."""

    app: FastAPI
    _client: TestClient

    def __call__(self, role: Role) -> TestClient:
        as_role(self.app, role)
        return self._client


def clients_for(app: FastAPI) -> Iterator[Clients]:
    with TestClient(app) as client:
        yield Clients(app, client)

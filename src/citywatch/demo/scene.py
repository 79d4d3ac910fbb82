"""Generate the demo site: three cameras' videos of people walking from camera to camera.

Everything comes from images scikit-image ships (textures for the backgrounds, the astronaut
and cameraman photographs for the people), so the demo needs no download and no model
directory: the package-shipped fallback detector finds the astronaut, and the OMZ detector,
when present, finds both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

WIDTH, HEIGHT, FPS = 640, 360, 10


@dataclass(frozen=True)
class Walk:
    """A person crossing one camera's view between two times, left to right or back."""

    actor: str
    camera: str
    start_s: float
    end_s: float
    leftward: bool = False
    size: int = 170


@dataclass(frozen=True)
class DemoCamera:
    id: str
    name: str
    texture: str
    tint: tuple[float, float, float]
    position: tuple[float, float]


CAMERAS = (
    DemoCamera("entrance", "Entrance", "brick", (1.0, 0.9, 0.8), (10.0, 50.0)),
    DemoCamera("hall", "Main hall", "gravel", (0.9, 0.95, 1.0), (50.0, 50.0)),
    DemoCamera("yard", "Yard", "grass", (0.8, 1.0, 0.8), (90.0, 50.0)),
)
# The astronaut walks entrance -> hall -> yard; the cameraman crosses the hall the other way.
WALKS = (
    Walk("astronaut", "entrance", 0.5, 5.5),
    Walk("astronaut", "hall", 7.5, 12.5),
    Walk("astronaut", "yard", 14.5, 19.5),
    Walk("cameraman", "hall", 1.0, 6.0, leftward=True, size=190),
    Walk("cameraman", "entrance", 8.0, 13.0, leftward=True, size=190),
)
DURATION_S = 21.0
# Neighbours and plausible walking times between them, as the site configuration states them.
NEIGHBOURS = {
    "entrance": [("hall", (1.0, 10.0))],
    "hall": [("entrance", (1.0, 10.0)), ("yard", (1.0, 10.0))],
    "yard": [("hall", (1.0, 10.0))],
}


def _actors() -> dict[str, np.ndarray]:
    from skimage import data

    cameraman = cv2.cvtColor(data.camera(), cv2.COLOR_GRAY2BGR)
    return {"astronaut": np.ascontiguousarray(data.astronaut()[:, :, ::-1]), "cameraman": cameraman}


def _background(camera: DemoCamera) -> np.ndarray:
    from skimage import data

    texture = getattr(data, camera.texture)()
    if texture.ndim == 2:
        texture = cv2.cvtColor(texture, cv2.COLOR_GRAY2BGR)
    image = cv2.resize(texture, (WIDTH, HEIGHT)).astype(np.float32)
    image *= np.array(camera.tint, dtype=np.float32)[None, None, ::-1]
    return np.clip(image, 0, 255).astype(np.uint8)


def render(
    camera: DemoCamera, t: float, actors: dict[str, np.ndarray], background: np.ndarray
) -> np.ndarray:
    frame = background.copy()
    for walk in WALKS:
        if walk.camera != camera.id or not walk.start_s <= t <= walk.end_s:
            continue
        progress = (t - walk.start_s) / (walk.end_s - walk.start_s)
        if walk.leftward:
            progress = 1 - progress
        sprite = cv2.resize(actors[walk.actor], (walk.size, walk.size))
        x = int(-walk.size * 0.3 + progress * (WIDTH - walk.size * 0.4))
        y = HEIGHT - walk.size - 10 + int(4 * np.sin(t * 8))  # a little bob as they walk
        left, right = max(x, 0), min(x + walk.size, WIDTH)
        if right > left:
            frame[y : y + walk.size, left:right] = sprite[:, left - x : right - x]
    return frame


def write_scene(folder: Path) -> dict[str, Path]:
    """Write one H.264 file per camera into `folder`; returns camera id -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    actors = _actors()
    paths = {}
    for camera in CAMERAS:
        path = folder / f"{camera.id}.mp4"
        background = _background(camera)
        with av.open(str(path), "w") as container:
            stream = container.add_stream("libx264", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
            stream.options = {"crf": "23", "preset": "veryfast"}
            for index in range(int(DURATION_S * FPS)):
                image = render(camera, index / FPS, actors, background)
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        paths[camera.id] = path
    return paths


def scene_config(paths: dict[str, Path], loop: bool) -> dict:
    """The configuration a user would write for this site (as plain data)."""
    return {
        "site": {"name": "citywatch demo", "width": 100, "height": 100},
        "cameras": [
            {
                "id": camera.id,
                "name": camera.name,
                "source": str(paths[camera.id]),
                "fps": FPS,
                "realtime": True,
                "loop": loop,
                "position": {"x": camera.position[0], "y": camera.position[1]},
                "neighbours": [
                    {"camera": other, "transit_s": list(transit)}
                    for other, transit in NEIGHBOURS[camera.id]
                ],
                **RULES.get(camera.id, {}),
            }
            for camera in CAMERAS
        ],
    }


# One explainable rule, so the demo shows a rule event too: walking onto the yard's flowerbed
# (the right third of the picture, where the astronaut ends her walk).
RULES = {
    "yard": {
        "zones": [
            {
                "name": "flowerbed",
                "polygon": [
                    [WIDTH * 2 // 3, HEIGHT // 2],
                    [WIDTH, HEIGHT // 2],
                    [WIDTH, HEIGHT],
                    [WIDTH * 2 // 3, HEIGHT],
                ],
            }
        ],
        "rules": [
            {
                "type": "intrusion",
                "name": "keep off the flowerbed",
                "zone": "flowerbed",
                "classes": ["person"],
            }
        ],
    }
}


def enrol_demo_person(store, faces) -> None:  # type: ignore[no-untyped-def]
    """Put the astronaut on the demo watchlist from her original photograph (once)."""
    import time

    from skimage import data

    from citywatch.store.watchlists import FaceRecords
    from citywatch.watchlist.enrol import prepare_image

    if faces is None:
        return
    records = FaceRecords(store)
    if any(e.name == DEMO_PERSON for e in records.entries()):
        return
    photo = prepare_image(faces, np.ascontiguousarray(data.astronaut()[:, :, ::-1]), "astronaut")
    legal_basis = "demo data (scikit-image sample photograph)"
    expires_at = time.time() + 86400
    entry_id = records.add_entry(
        DEMO_PERSON,
        "demo: a person of interest walking through the site",
        legal_basis,
        "demo",
        expires_at,
        [photo],
    )
    # Enrolled like any other: within a case, with a purpose, in the audit log.
    from citywatch.privacy.audit import AuditLog

    detail = {"entry_id": entry_id, "name": DEMO_PERSON, "photos": 1}
    detail |= {"legal_basis": legal_basis, "expires_at": expires_at}
    AuditLog(store).record(
        "demo",
        "admin",
        "watchlist.enrol",
        "ok",
        DEMO_CASE,
        DEMO_PURPOSE,
        f"watchlist entry {entry_id}",
        detail,
    )


def open_demo_case(store, member: str) -> None:  # type: ignore[no-untyped-def]
    """The demo's open case, with `member` (the demo admin) assigned; made once."""
    from citywatch.store.cases import CaseRecords

    records = CaseRecords(store)
    if records.case(DEMO_CASE) is None:
        records.create(DEMO_CASE, "demo investigation", "the astronaut at the demo site", "demo")
    records.add_member(DEMO_CASE, member, "demo")  # adding a member twice changes nothing


DEMO_PERSON = "Eileen Collins (demo)"
DEMO_CASE = "DEMO-1"
DEMO_PURPOSE = "demo: show an alert when the enrolled person walks through the site"

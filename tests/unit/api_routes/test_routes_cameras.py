"""Cameras: listing, admin edits (in memory, in the store and in the configuration file),
snapshots, the MJPEG view and the tracks drawn over it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from api_seed import Clients, Seeded
from images import checkerboard, decode, detail, jpeg

from citywatch.api.roles import Role
from citywatch.api.services import ApiServices
from citywatch.config import load_config
from citywatch.core.records import LiveTrack


def test_lists_configured_and_stored_cameras(client: Clients, seeded: Seeded) -> None:
    page = client(Role.VIEWER).get("/api/cameras").json()
    assert [c["id"] for c in page["items"]] == ["gate", "old", "yard"]
    gate, old, _ = page["items"]
    assert gate["name"] == "Main gate" and gate["position"] == {"x": 5.0, "y": 10.0}
    assert gate["configured"] and gate["stored"] and gate["source"] is None  # not for viewers
    assert not old["configured"] and old["stored"] and old["enabled"] is None
    assert page["next_offset"] is None
    admin = client(Role.ADMIN).get("/api/cameras/gate").json()
    assert admin["source"] == "rtsp://admin:***@10.0.0.5/stream"  # password masked


def test_camera_list_pages_and_filters(client: Clients, seeded: Seeded) -> None:
    viewer = client(Role.VIEWER)
    first = viewer.get("/api/cameras?limit=2").json()
    assert [c["id"] for c in first["items"]] == ["gate", "old"] and first["next_offset"] == 2
    second = viewer.get("/api/cameras?limit=2&offset=2").json()
    assert [c["id"] for c in second["items"]] == ["yard"] and second["next_offset"] is None
    configured = viewer.get("/api/cameras?configured=true").json()["items"]
    assert [c["id"] for c in configured] == ["gate", "yard"]
    assert viewer.get("/api/cameras?limit=501").status_code == 422
    assert viewer.get("/api/cameras?limit=0").status_code == 422


def test_unknown_camera_is_a_404_naming_it(client: Clients, seeded: Seeded) -> None:
    answer = client(Role.VIEWER).get("/api/cameras/nowhere")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "camera 'nowhere' is not known"}


def test_admin_adds_changes_and_removes_a_camera(
    client: Clients, services: ApiServices, seeded: Seeded
) -> None:
    admin = client(Role.ADMIN)
    body = {"id": "dock", "source": "rtsp://u:pw@cam/1", "fps": 10, "position": {"x": 1, "y": 2}}
    created = admin.post("/api/cameras", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["source"] == "rtsp://u:***@cam/1" and created.json()["configured"]
    assert any(c.id == "dock" for c in services.config.cameras)
    row = next(r for r in services.store.cameras() if r.id == "dock")
    assert row.fps == 10.0 and row.position == (1.0, 2.0) and "pw" not in row.source
    assert admin.post("/api/cameras", json=body).status_code == 409

    changed = admin.put("/api/cameras/dock", json={"source": "/v/dock.mp4", "name": "Dock"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Dock" and changed.json()["fps"] == 5.0
    assert services.config.camera("dock").source == "/v/dock.mp4"
    assert next(r for r in services.store.cameras() if r.id == "dock").name == "Dock"

    assert admin.delete("/api/cameras/dock").status_code == 204
    assert all(c.id != "dock" for c in services.config.cameras)
    # Its row stays: records refer to it.
    assert admin.get("/api/cameras/dock").json()["configured"] is False
    assert admin.delete("/api/cameras/dock").status_code == 404


def test_an_edit_keeps_the_cameras_rules(client: Clients, services: ApiServices) -> None:
    zone = {"name": "bed", "polygon": [[0, 0], [10, 0], [10, 10]]}
    rules = [{"type": "intrusion", "name": "bed-rule", "zone": "bed"}]
    admin = client(Role.ADMIN)
    services.config = services.config.model_copy(
        update={
            "cameras": [
                *services.config.cameras,
                type(services.config.cameras[0]).model_validate(
                    {"id": "lawn", "source": "/v/l.mp4", "zones": [zone], "rules": rules}
                ),
            ]
        }
    )
    assert admin.put("/api/cameras/lawn", json={"source": "/v/l2.mp4"}).status_code == 200
    lawn = services.config.camera("lawn")
    assert lawn.source == "/v/l2.mp4" and [r.name for r in lawn.rules] == ["bed-rule"]


CONFIG_TEXT = """\
# the site's cameras
site: {name: depot}
cameras:
  - id: gate
    source: rtsp://admin:${GATE_PASSWORD}@10.0.0.5/stream
    fps: 5
    zones: [{name: door, polygon: [[0, 0], [10, 0], [10, 10]]}]
"""


def test_edits_are_written_back_to_the_configuration_file(
    client: Clients, services: ApiServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATE_PASSWORD", "s3cret")
    path = tmp_path / "cameras.yaml"
    path.write_text(CONFIG_TEXT)
    services.config = load_config(path)
    services.config_path = path
    admin = client(Role.ADMIN)

    assert (
        admin.put(
            "/api/cameras/gate",
            json={"source": services.config.camera("gate").source, "name": "Gate", "fps": 8},
        ).status_code
        == 200
    )
    written = yaml.safe_load(path.read_text())["cameras"][0]
    # The secret stays a reference to the environment; the zones stay as written.
    assert written["source"] == "rtsp://admin:${GATE_PASSWORD}@10.0.0.5/stream"
    assert written["name"] == "Gate" and written["fps"] == 8.0 and written["zones"]
    assert (tmp_path / "cameras.yaml.bak").read_text() == CONFIG_TEXT

    body = {"id": "dock", "source": "/v/dock.mp4", "position": {"x": 1, "y": 2}}
    assert admin.post("/api/cameras", json=body).status_code == 201
    reloaded = load_config(path)  # what a restarted server reads
    assert [c.id for c in reloaded.cameras] == ["gate", "dock"]
    assert reloaded.camera("dock").position is not None
    assert reloaded.camera("gate").label == "Gate"

    assert admin.delete("/api/cameras/dock").status_code == 204
    assert [c.id for c in load_config(path).cameras] == ["gate"]


def test_an_edit_the_file_cannot_take_changes_nothing(
    client: Clients, services: ApiServices, tmp_path: Path
) -> None:
    path = tmp_path / "cameras.yaml"
    path.write_text("site: {name: depot}\ncameras: []\n")
    services.config = load_config(path)
    services.config_path = path
    (tmp_path / ".cameras.yaml.new").mkdir()  # where the new text would go: cannot be written
    answer = client(Role.ADMIN).post("/api/cameras", json={"id": "dock", "source": "/v/d.mp4"})
    assert answer.status_code == 500 and "cameras.yaml" in answer.json()["detail"]
    assert services.config.cameras == [] and path.read_text().endswith("cameras: []\n")
    assert all(r.id != "dock" for r in services.store.cameras())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "Bad Id", "source": "x"}, "id"),
        ({"id": "ok", "source": "x", "fps": 500}, "fps"),
        ({"id": "ok", "source": ""}, "source"),
        ({"id": "ok", "source": "x", "zones": []}, "zones"),
    ],
)
def test_a_bad_camera_is_a_422_naming_the_field(
    client: Clients, body: dict[str, object], field: str
) -> None:
    answer = client(Role.ADMIN).post("/api/cameras", json=body)
    assert answer.status_code == 422
    message = answer.json()["detail"]
    assert field in message and "\n" not in message


def test_a_neighbour_cannot_be_removed(client: Clients, services: ApiServices) -> None:
    cameras = [
        type(services.config.cameras[0]).model_validate(
            {"id": "a", "source": "x", "neighbours": [{"camera": "b", "transit_s": [1, 5]}]}
        ),
        type(services.config.cameras[0]).model_validate({"id": "b", "source": "y"}),
    ]
    services.config = services.config.model_copy(update={"cameras": cameras})
    answer = client(Role.ADMIN).delete("/api/cameras/b")
    assert answer.status_code == 409 and "neighbour of 'a'" in answer.json()["detail"]
    assert client(Role.ADMIN).put("/api/cameras/zz", json={"source": "x"}).status_code == 404


# -- snapshots and the live view ---------------------------------------------------------------

FACE = (100.0, 60.0, 40.0, 40.0)  # x, y, w, h


def test_snapshot_is_a_404_until_a_frame_arrives(client: Clients, seeded: Seeded) -> None:
    answer = client(Role.VIEWER).get("/api/cameras/gate/snapshot")
    assert answer.status_code == 404 and "no live frame" in answer.json()["detail"]


def test_a_viewer_gets_the_snapshot_with_faces_blurred(
    client: Clients, services: ApiServices, seeded: Seeded
) -> None:
    original = checkerboard()
    services.frames.put("gate", jpeg(original), 1234.5, faces=[FACE], persons=[])
    answer = client(Role.VIEWER).get("/api/cameras/gate/snapshot")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-frame-time"] == "1234.500"
    seen = decode(answer.content)
    assert detail(seen[65:95, 105:135]) < 0.1 * detail(original[65:95, 105:135])  # the face
    assert detail(seen[180:230, 10:90]) > 0.5 * detail(original[180:230, 10:90])  # elsewhere
    listed = client(Role.VIEWER).get("/api/cameras/gate").json()
    assert listed["last_frame_at"] == 1234.5
    assert listed["snapshot_url"] == "/api/cameras/gate/snapshot"


def test_an_investigator_may_ask_for_the_frame_as_it_is(
    client: Clients, services: ApiServices, seeded: Seeded
) -> None:
    data = jpeg(checkerboard())
    services.frames.put("gate", data, faces=[FACE])
    investigator = client(Role.INVESTIGATOR)
    assert investigator.get("/api/cameras/gate/snapshot?unblurred=true").content == data
    assert investigator.get("/api/cameras/gate/snapshot").content != data  # blurred by default


def test_without_boxes_the_whole_frame_is_blurred(
    client: Clients, services: ApiServices, seeded: Seeded
) -> None:
    original = checkerboard()
    services.frames.put("gate", jpeg(original))  # the pipeline said nothing about people
    seen = decode(client(Role.VIEWER).get("/api/cameras/gate/snapshot").content)
    assert detail(seen) < 0.1 * detail(original)


def test_mjpeg_streams_each_new_frame_blurred(
    client: Clients, services: ApiServices, seeded: Seeded
) -> None:
    services.frames.put("gate", jpeg(checkerboard()), faces=[FACE], persons=[])
    answer = client(Role.VIEWER).get("/api/cameras/gate/live.mjpeg?max_frames=1&fps=30")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "multipart/x-mixed-replace; boundary=frame"
    head, _, rest = answer.content.partition(b"\r\n\r\n")
    assert head.startswith(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ")
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    frame = decode(rest[:length])
    assert frame.shape == (240, 320, 3)
    assert detail(frame[65:95, 105:135]) < 10
    assert client(Role.VIEWER).get("/api/cameras/nowhere/live.mjpeg").status_code == 404


def test_tracks_of_the_latest_frame_for_the_live_wall(
    client: Clients, services: ApiServices, seeded: Seeded
) -> None:
    viewer = client(Role.VIEWER)
    assert viewer.get("/api/cameras/gate/tracks").status_code == 404
    services.frames.put("gate", jpeg(checkerboard()), 10.0, size=(320, 240))
    services.frames.put(
        "gate",
        jpeg(checkerboard()),
        10.5,
        persons=[(10, 20, 30, 60)],
        tracks=[
            LiveTrack(7, "person", (10, 20, 30, 60)),
            LiveTrack(9, "vehicle", (100, 50, 80, 40)),
        ],
        size=(320, 240),
    )
    tracks = viewer.get("/api/cameras/gate/tracks").json()
    assert tracks["seq"] == 1 and tracks["time"] == 10.5
    assert (tracks["width"], tracks["height"]) == (320, 240)
    assert tracks["tracks"] == [
        {"track_id": 7, "label": "person", "box": [10.0, 20.0, 30.0, 60.0]},
        {"track_id": 9, "label": "vehicle", "box": [100.0, 50.0, 80.0, 40.0]},
    ]
    assert viewer.get("/api/cameras/gate/snapshot").headers["x-frame-seq"] == "1"

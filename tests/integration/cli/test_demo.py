"""`citywatch demo`, the README's main job: alerts on every camera, one person across cameras.

The scene is generated from images installed packages ship (skimage's astronaut and
cameraman) and paced in real time (about 20 s). Real models from the model directory.
"""

from __future__ import annotations

from citywatch.cli import main
from citywatch.store import open_store
from citywatch.store.people import PersonRecords
from citywatch.store.watchlists import FaceRecords


def test_demo_alerts_and_follows_the_astronaut_across_cameras(model_dir, tmp_path, capsys):
    data = tmp_path / "data"
    assert (
        main(
            [
                "demo",
                "--once",
                "--port",
                "0",
                "--data-dir",
                str(data),
                "--model-dir",
                str(model_dir),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "on several cameras" in err

    store = open_store(None, data)
    try:
        alerts = FaceRecords(store).alerts()
        assert {a.camera_id for a in alerts} == {"entrance", "hall", "yard"}
        events = store.events()
        assert [e.rule for e in events] == ["keep off the flowerbed"]  # the astronaut, once
        assert events[0].camera_id == "yard" and events[0].clip_path
        people = PersonRecords(store)
        paths = {
            identity: [a.camera_id for a in people.trajectory(identity)]
            for identity, *_ in people.identities()
        }
    finally:
        store.close()
    # The astronaut walks entrance -> hall -> yard: one identity, all three cameras, in order.
    assert ["entrance", "hall", "yard"] in paths.values()
    # Two people in the scene, so never more than two identities on one camera at a time.
    assert len(paths) <= 4

"""The stage as the pipeline uses it: many rules at once, state freed on finish, signals owned."""

from __future__ import annotations

import json

from rule_tracks import T0, VEHICLE, camera, play, together, walk

from citywatch.rules import RuleStage, SignalBoard

ZONE = {"name": "yard", "polygon": [[200, 0], [640, 0], [640, 480], [200, 480]]}
LINE = {"name": "gate", "points": [[200, 0], [200, 480]]}  # drawn downwards: a is right
SIGNAL = {
    "type": "schedule",
    "name": "main",
    "epoch": T0,
    "phases": [{"state": "red", "duration_s": 60}, {"state": "green", "duration_s": 60}],
}
RULES = [
    {"type": "intrusion", "name": "in", "zone": "yard"},
    {"type": "loitering", "name": "stay", "zone": "yard", "dwell_s": 2},
    {"type": "line_crossing", "name": "count", "line": "gate"},
    {"type": "running", "name": "run", "speed_px_s": 300},
    {"type": "crowding", "name": "crowd", "zone": "yard", "max_count": 0, "min_duration_s": 0},
    {
        "type": "wrong_way",
        "name": "ww",
        "zone": "yard",
        "allowed": [[600, 0], [600, 480]],
        "classes": ["person"],
    },
    {"type": "left_behind", "name": "bag", "min_static_s": 10},
    {"type": "red_light", "name": "red", "signal": "main", "zone": "yard", "classes": ["person"]},
]


def full_stage() -> RuleStage:
    config = camera(zones=[ZONE], lines=[LINE], signals=[SIGNAL], rules=RULES)
    return RuleStage(config, "run1")


def test_every_rule_fires_for_one_walker_and_values_are_plain_json():
    stage = full_stage()
    # Walks right into the yard at 50 px/s (crossing the gate b -> a), then stands.
    steps = together(walk(1, (100, 300), (300, 300), 41)) + [[(1, 300, 300)]] * 30
    events = play(stage, steps)
    kinds = sorted({e.type for e in events})
    assert kinds == ["crowding", "intrusion", "line_crossing", "loitering", "red_light"]
    for event in events:
        json.dumps(event.values)  # storage and outputs take the values as they are
        assert event.camera_id == "cam" and event.run_id == "run1"
    (crossing,) = [e for e in events if e.type == "line_crossing"]
    assert crossing.values["direction"] == "b_to_a"


def test_finish_frees_what_the_rules_kept_about_a_track():
    stage = full_stage()
    play(stage, together(walk(1, (100, 300), (300, 300), 41), walk(2, (100, 100), (150, 100), 41)))
    stage.finish([1, 2])
    for check in stage.checks:
        for name in ("watch", "sides"):
            part = getattr(check, name, None)
            if part is not None:
                tracked = getattr(part, "membership", part)._tracks
                assert tracked == {}, (check.name, tracked)
        for name in ("cooldown", "fast", "wrong"):
            part = getattr(check, name, None)
            store = getattr(part, "_last", None) or getattr(part, "_since", None) or {}
            per_track = [key for key in store if isinstance(key, int)]  # crowding's is per rule
            assert not per_track, (check.name, name, store)
    assert stage.motion._paths == {}


def test_the_stage_starts_and_closes_the_signals_it_built():
    stage = full_stage()
    assert isinstance(stage.signals, SignalBoard)
    play(stage, [[(1, 100, 100, VEHICLE)]])
    assert stage.signals._started
    stage.close()
    assert not stage.signals._started
    # A board the caller passed in is the caller's to close.
    board = SignalBoard([])
    borrowed = RuleStage(camera(signals=[SIGNAL]), "run1", signals=board)
    play(borrowed, [[]])
    borrowed.close()
    assert board._started


def test_a_camera_without_rules_gives_nothing():
    stage = RuleStage(camera(), "run1")
    assert play(stage, [[(1, 10, 10)]] * 5) == [] and stage.finish([1]) == []
    assert stage.counts() == {} and stage.zone_counts() == {} and stage.signals is None

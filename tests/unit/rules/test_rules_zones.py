"""Intrusion, loitering and crowding on synthetic tracks, with their edge cases."""

from __future__ import annotations

import pytest
from rule_tracks import PERSON, T0, VEHICLE, camera, of_type, play, together, walk

from citywatch.rules import RuleStage

# A square zone with its left edge at x = 200; people walk along y = 300.
ZONE = {"name": "yard", "polygon": [[200, 200], [400, 200], [400, 400], [200, 400]]}


def stage(*rules: dict, zones: list[dict] | None = None) -> RuleStage:
    return RuleStage(camera(zones=zones or [ZONE], rules=list(rules)), "run1")


def intrusion(**fields) -> dict:
    return {"type": "intrusion", "name": "keep-out", "zone": "yard", **fields}


def test_intrusion_once_on_entry_with_its_values_and_picture():
    rules = stage(intrusion())
    steps = together(walk(1, (100, 300), (300, 300), 21))  # 10 px a frame; enters at x=200
    events = play(rules, steps)
    (event,) = events
    assert event.type == "intrusion" and event.rule == "keep-out" and event.run_id == "run1"
    assert event.camera_id == "cam" and event.track_local_id == 1
    assert event.values == {"zone": "yard", "class": "person", "entered_at": T0 + 1.0}
    # Confirmed on the second frame inside (confirm_frames=2), dated to the first.
    assert event.time == pytest.approx(T0 + 1.1)
    assert event.thumbnail is not None and event.thumbnail.shape[:2] == (60, 24)


def test_intrusion_ignores_other_classes_and_untracked_boxes():
    rules = stage(intrusion())
    steps = [[(1, 300, 300, VEHICLE), (-1, 300, 300, PERSON)] for _ in range(10)]
    assert play(rules, steps) == []


def test_leaving_and_coming_back_inside_the_cooldown_is_one_event_and_after_it_a_new_one():
    rules = stage(intrusion(cooldown_s=5))
    inside, outside = (1, 300, 300), (1, 100, 300)
    # in 1 s, out 1 s, in again at 2 s (within 5 s: no event), out, in again at 6 s (new event)
    steps = [[inside]] * 10 + [[outside]] * 10 + [[inside]] * 10 + [[outside]] * 30
    steps += [[inside]] * 10
    events = play(rules, steps)
    assert [round(e.time - T0, 1) for e in events] == [0.1, 6.1]


def test_jitter_on_the_zone_edge_does_not_make_entries():
    rules = stage(intrusion(cooldown_s=0))
    # The foot point flips in and out every frame: never two frames in a row inside.
    steps = [[(1, 199 if i % 2 else 201, 300)] for i in range(40)]
    assert play(rules, steps) == []
    # Three frames in, one out, three in: one entry (the one-frame exit is not confirmed).
    rules = stage(intrusion(cooldown_s=0))
    xs = [150] * 3 + [210] * 3 + [190] + [210] * 3
    assert len(play(rules, [[(1, x, 300)] for x in xs])) == 1


def loitering(**fields) -> dict:
    return {"type": "loitering", "name": "loiter", "zone": "yard", "dwell_s": 3, **fields}


def test_a_track_that_stops_in_the_zone_loiters_once_per_visit():
    rules = stage(loitering())
    steps = together(walk(1, (100, 300), (300, 300), 21))
    steps += [[(1, 300, 300)]] * 60  # stands still for 6 s
    events = play(rules, steps)
    (event,) = events
    assert event.values["dwell_s"] == pytest.approx(3.0, abs=0.15)
    assert event.values["limit_s"] == 3 and event.values["zone"] == "yard"
    assert event.values["entered_at"] == pytest.approx(T0 + 1.0)
    assert event.time == pytest.approx(T0 + 4.0)


def test_walking_through_is_not_loitering_and_a_new_visit_after_the_cooldown_is():
    rules = stage(loitering(cooldown_s=10))
    through = together(walk(1, (100, 300), (500, 300), 41))  # 2 s inside
    assert play(rules, through) == []
    rules = stage(loitering(cooldown_s=10))
    inside, outside = (2, 300, 300), (2, 100, 300)
    steps = [[inside]] * 40 + [[outside]] * 20 + [[inside]] * 40 + [[outside]] * 60
    steps += [[inside]] * 40
    events = play(rules, steps)
    # 1st visit fires at 3 s; 2nd (starts at 6 s, 3 s long at 9 s) is inside the cool-down;
    # 3rd starts at 16 s and fires at 19 s.
    assert [round(e.time - T0, 1) for e in events] == [3.0, 19.0]


def test_a_track_that_ends_forgets_its_visit():
    rules = stage(loitering())
    play(rules, [[(1, 300, 300)]] * 20)
    assert rules.finish([1]) == []
    # The tracker reuses nothing, but the state must be gone: a new visit starts from zero.
    events = play(rules, [[(1, 300, 300)]] * 25, start=2.0)
    assert len(events) == 0


def crowding(**fields) -> dict:
    return {"type": "crowding", "name": "crowd", "zone": "yard", "max_count": 2, **fields}


def group(count: int, x: float = 300) -> list:
    return [(i + 1, x, 220 + 30 * i) for i in range(count)]


def test_crowding_needs_the_count_over_the_limit_for_the_duration():
    rules = stage(crowding(min_duration_s=1.0))
    steps = [group(3)] * 5 + [group(2)] * 5 + [group(3)] * 15
    events = play(rules, steps)
    (event,) = events
    # The second group of three is confirmed at 1.1 s and has been over for 1 s at 2.1 s.
    assert event.time == pytest.approx(T0 + 2.1)
    assert event.values == {
        "zone": "yard",
        "count": 3,
        "limit": 2,
        "over_for_s": 1.0,
        "classes": ["person"],
        "track_ids": [1, 2, 3],
    }
    assert event.track_local_id is None
    assert event.thumbnail is not None and event.thumbnail.shape == (480, 640, 3)
    assert rules.zone_counts() == {"crowd": 3}


def test_one_crowd_is_one_event_and_the_next_waits_for_the_cooldown():
    rules = stage(crowding(min_duration_s=0.5, cooldown_s=10))
    steps = [group(4)] * 30  # 3 s of crowd: one event, at 0.6 s
    steps += [group(1)] * 20 + [group(4)] * 10  # gone for 2 s, back at 5 s: in the cool-down
    steps += [group(1)] * 60 + [group(4)] * 10  # back at 12 s, after it: reported at 12.5 s
    events = of_type(play(rules, steps), "crowding")
    # (The people who come back keep their place in the zone: no new confirmation needed.)
    assert [round(e.time - T0, 1) for e in events] == [0.6, 12.5]


def test_one_missed_detection_does_not_end_a_crowd():
    rules = stage(crowding(min_duration_s=1.0, cooldown_s=0))
    steps = [group(3)] * 8 + [group(3)[:2]] + [group(3)] * 10  # track 3 missed for a frame
    assert len(play(rules, steps)) == 1


def test_a_zone_holds_foot_points_not_boxes():
    # A box that overlaps the zone while its foot point is outside is not in the zone.
    rules = stage(intrusion())
    steps = [[(1, 300, 190)]] * 5  # feet 10 px above the zone, body far above
    assert play(rules, steps) == []

"""Running and wrong-way on synthetic tracks."""

from __future__ import annotations

import numpy as np
import pytest
from rule_tracks import BICYCLE, VEHICLE, camera, play, together, walk

from citywatch.rules import RuleStage

# A flat 40 m x 30 m square seen from straight above at 10 px per metre (x right, y down).
TOP_DOWN = {
    "image": [[100, 100], [500, 100], [500, 400], [100, 400]],
    "ground": [[0, 0], [40, 0], [40, 30], [0, 30]],
}


def running_stage(**fields) -> RuleStage:
    rule = {"type": "running", "name": "run", "cooldown_s": 30, **fields}
    return RuleStage(camera(homography=TOP_DOWN, rules=[rule]), "run1")


def test_a_runner_is_flagged_in_metres_per_second_and_a_walker_is_not():
    rules = running_stage(speed_mps=2.5, classes=["person", "bicycle"])
    walker = walk(1, (110, 200), (110 + 14 * 5, 200), 51)  # 1.4 m/s for 5 s
    runner = walk(2, (110, 300), (110 + 40 * 5, 300), 51, BICYCLE)  # 4 m/s
    events = play(rules, together(walker, runner))
    (event,) = events
    assert event.track_local_id == 2 and event.values["class"] == "bicycle"
    assert event.values["unit"] == "m/s" and event.values["limit"] == 2.5
    assert event.values["speed"] == pytest.approx(4.0, abs=0.05)
    # A full 1 s window is fitted from 0.5 s of history on; then it must hold 0.5 s more.
    assert event.values["fast_for_s"] == pytest.approx(0.5)


def test_box_jitter_on_a_standing_person_is_not_running():
    rules = running_stage(speed_px_s=30)
    rng = np.random.default_rng(3)
    steps = [[(1, 300 + rng.normal(0, 4), 300 + rng.normal(0, 4))] for _ in range(100)]
    assert play(rules, steps) == []


def test_a_short_sprint_under_the_minimum_duration_is_not_running():
    rules = running_stage(speed_px_s=100, min_duration_s=2.0)
    slow = walk(1, (100, 300), (120, 300), 20)
    sprint = walk(1, (120, 300), (270, 300), 11)  # 150 px/s for 1 s
    slow2 = walk(1, (270, 300), (290, 300), 30)
    assert play(rules, together(slow + sprint + slow2)) == []


def test_running_only_inside_its_zone():
    zone = {"name": "plaza", "polygon": [[300, 0], [640, 0], [640, 480], [300, 480]]}
    rule = {"type": "running", "name": "run", "zone": "plaza", "speed_px_s": 50}
    rules = RuleStage(camera(zones=[zone], rules=[rule]), "run1")
    events = play(rules, together(walk(1, (0, 100), (280, 100), 30)))  # fast, but outside
    assert events == []
    events = play(rules, together(walk(2, (320, 100), (600, 100), 30)), start=5)
    assert [e.values["zone"] for e in events] == ["plaza"]
    assert events[0].values["unit"] == "px/s"


def wrong_way_stage(**fields) -> RuleStage:
    lane = {"name": "lane", "polygon": [[0, 0], [200, 0], [200, 480], [0, 480]]}
    rule = {
        "type": "wrong_way",
        "name": "ww",
        "zone": "lane",
        "allowed": [[100, 0], [100, 480]],  # traffic goes down the picture
        **fields,
    }
    return RuleStage(camera(zones=[lane], rules=[rule]), "run1")


def test_a_car_going_up_a_down_lane_is_wrong_way_once():
    rules = wrong_way_stage()
    right = walk(1, (80, 10), (80, 470), 40, VEHICLE)
    wrong = walk(2, (120, 470), (120, 10), 40, VEHICLE)
    events = play(rules, together(right, wrong))
    (event,) = events
    assert event.track_local_id == 2
    assert event.values["angle_deg"] == pytest.approx(180, abs=1)
    assert event.values["travel_px"] >= 30 and event.values["allowed"] == [[100, 0], [100, 480]]
    assert event.values["zone"] == "lane" and event.values["class"] == "vehicle"


def test_lane_changes_parked_cars_and_people_are_not_wrong_way():
    rules = wrong_way_stage()
    diagonal = walk(1, (20, 10), (180, 300), 40, VEHICLE)  # changing lanes, going down
    parked = [(2, 60 + np.sin(i) * 3, 200, VEHICLE) for i in range(40)]  # jitter, no travel
    person = walk(3, (150, 470), (150, 10), 40)  # a person walking up: not a rule class
    assert play(rules, together(diagonal, parked, person)) == []


def test_crossing_the_lane_sideways_is_not_wrong_way_with_the_default_angle():
    rules = wrong_way_stage()
    assert play(rules, together(walk(1, (10, 200), (190, 200), 30, VEHICLE))) == []

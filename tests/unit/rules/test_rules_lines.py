"""Line crossing on synthetic tracks: directions, counts, jitter, going round the end."""

from __future__ import annotations

import pytest
from rule_tracks import T0, VEHICLE, camera, play, together, walk

from citywatch.rules import RuleStage

# Drawn left to right at y = 200 from x = 100 to 500: side a above, side b below.
GATE = {"name": "gate", "points": [[100, 200], [500, 200]]}


def stage(direction: str = "both", **fields) -> RuleStage:
    rule = {"type": "line_crossing", "name": "count", "line": "gate", **fields}
    return RuleStage(camera(lines=[{**GATE, "direction": direction}], rules=[rule]), "run1")


def test_crossings_are_told_apart_by_direction_and_counted():
    rules = stage()
    down = [walk(i, (150 + 50 * i, 100), (150 + 50 * i, 300), 21) for i in (1, 2, 3)]
    up = [walk(4, (400, 300), (400, 100), 21)]
    events = play(rules, together(*down, *up))
    assert [(e.track_local_id, e.values["direction"]) for e in events] == [
        (1, "a_to_b"),
        (2, "a_to_b"),
        (3, "a_to_b"),
        (4, "b_to_a"),
    ]
    assert [e.values["counts"] for e in events][-1] == {"a_to_b": 3, "b_to_a": 1}
    assert events[0].values["line"] == "gate" and events[0].values["class"] == "person"
    # Each walks 10 px a frame: first past the 6 px margin at y = 210, at frame 11.
    assert events[0].values["crossed_at"] == pytest.approx(T0 + 1.1)
    assert events[0].time == pytest.approx(T0 + 1.2)  # confirmed on the next frame
    assert rules.counts() == {"count": {"a_to_b": 3, "b_to_a": 1}}


def test_a_one_way_line_reports_only_its_direction():
    rules = stage("b_to_a")
    events = play(
        rules, together(walk(1, (200, 100), (200, 300), 21), walk(2, (300, 300), (300, 100), 21))
    )
    assert [(e.track_local_id, e.values["direction"]) for e in events] == [(2, "b_to_a")]
    assert rules.counts() == {"count": {"b_to_a": 1}}


def test_jitter_on_the_line_counts_nothing_and_a_real_crossing_counts_once():
    rules = stage()
    # Standing on the line, box jitter of +-5 px (inside the 6 px margin): nothing.
    steps = [[(1, 300, 200 + (5 if i % 2 else -5))] for i in range(40)]
    # Jitter beyond the margin but flipping every frame: never two frames on one side.
    steps += [[(1, 300, 200 + (9 if i % 2 else -9))] for i in range(40)]
    assert play(rules, steps) == []
    # Then it walks down across for real, dithers back over the line and down again.
    ys = [150, 160, 170, 180, 190, 210, 220, 230, 190, 185, 180, 215, 220, 230, 240]
    events = play(rules, [[(1, 300, y)] for y in ys], start=8.0)
    assert [e.values["direction"] for e in events] == ["a_to_b", "b_to_a"]
    assert rules.counts() == {"count": {"a_to_b": 1, "b_to_a": 1}}  # not 2 and 1


def test_walking_round_the_end_of_the_line_is_not_crossing_it():
    rules = stage()
    steps = together(walk(1, (50, 100), (50, 300), 21))  # x = 50, left of the line's start
    assert play(rules, steps) == []


def test_a_track_that_leaves_and_comes_back_across_counts_once_per_direction():
    rules = stage()
    there = walk(1, (300, 100), (300, 300), 11)
    back = walk(1, (300, 300), (300, 100), 11)
    events = play(rules, together(there + back + there + back))
    assert [e.values["direction"] for e in events] == ["a_to_b", "b_to_a"]


def test_a_new_track_born_past_the_line_has_not_crossed_it():
    rules = stage()
    assert play(rules, together(walk(1, (300, 220), (300, 300), 10))) == []


def test_crossing_state_goes_with_the_track():
    rules = stage(classes=["vehicle"])
    play(rules, together(walk(1, (300, 100), (300, 150), 5, VEHICLE)))
    rules.finish([1])
    # After finish, track 1 is new: born below the line, it has crossed nothing.
    assert play(rules, together(walk(1, (300, 300), (300, 350), 5, VEHICLE)), start=1) == []


def test_a_fast_object_that_jumps_the_line_between_frames_still_counts():
    rules = stage(classes=["vehicle"])
    steps = [[(1, 300, y, VEHICLE)] for y in (60, 120, 180, 240, 300, 360)]
    (event,) = play(rules, steps, fps=5)
    assert event.values["direction"] == "a_to_b" and event.values["class"] == "vehicle"

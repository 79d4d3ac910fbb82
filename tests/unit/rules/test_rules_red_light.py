"""Red-light offences on synthetic tracks, with a timetable, a drawn lamp and unknown state."""

from __future__ import annotations

import pytest
from rule_tracks import PERSON, T0, VEHICLE, camera, frame, play, together, tracks, walk

from citywatch.rules import RuleStage, SignalBoard, SignalReading, SignalState

CROSSWALK = {"name": "crosswalk", "polygon": [[200, 200], [400, 200], [400, 300], [200, 300]]}
# Drawn right to left at y = 250: side a below, side b above; traffic drives up (b is ahead).
STOP = {"name": "stop", "points": [[500, 250], [100, 250]], "direction": "a_to_b"}
# Red for the first 10 s of each 20 s cycle from T0, then green.
PLAN = {
    "type": "schedule",
    "name": "main",
    "epoch": T0,
    "phases": [{"state": "red", "duration_s": 10}, {"state": "green", "duration_s": 10}],
}


def stage(plate_lookup=None, signals=None, **fields) -> RuleStage:
    rule = {"type": "red_light", "name": "red", "signal": "main", **fields}
    config = camera(zones=[CROSSWALK], lines=[STOP], signals=[PLAN], rules=[rule])
    return RuleStage(config, "run1", signals=signals, plate_lookup=plate_lookup)


def test_a_pedestrian_entering_the_crosswalk_on_red_is_an_offence():
    rules = stage(zone="crosswalk", classes=["person"])
    steps = together(walk(1, (300, 100), (300, 260), 17))  # enters at y=200 at 1.0 s
    (event,) = play(rules, steps, start=3.0)
    assert event.type == "red_light" and event.track_local_id == 1
    assert event.values == {
        "offence": True,
        "class": "person",
        "signal": "main",
        "signal_state": "red",
        "red_for_s": 4.0,
        "grace_s": 0.0,
        "zone": "crosswalk",
        "entered_at": pytest.approx(T0 + 4.0),
    }
    assert "plate" not in event.values  # plates are for vehicles


def test_no_offence_on_green_or_within_the_grace():
    green = stage(zone="crosswalk", classes=["person"])
    assert play(green, together(walk(1, (300, 100), (300, 260), 17)), start=12.0) == []
    graced = stage(zone="crosswalk", classes=["person"], grace_s=2.0)
    # red from 20 s; the walker enters at 21 s: within the 2 s grace
    assert play(graced, together(walk(1, (300, 100), (300, 260), 17)), start=20.0) == []


def test_a_car_in_the_junction_when_the_light_turns_red_is_no_offence():
    rules = stage(line="stop", classes=["vehicle"])
    # 10 px a frame: first past the line at frame 16, 19.9 s, on green; confirmed on the next
    # frame, 20.0 s, when the light is red. Judged at 19.9 s: no offence.
    car = walk(1, (300, 400), (300, 100), 31, VEHICLE)
    assert play(rules, together(car), start=18.3) == []
    late = stage(line="stop", classes=["vehicle"])
    assert len(play(late, together(car), start=18.5)) == 1  # first past it at 20.1 s


class FixedSignal:
    """A signal source that says what the test tells it."""

    name = "main"

    def __init__(self, state: SignalState) -> None:
        self.state = state

    def sample(self, frame):
        from citywatch.rules.signals import SignalSample

        return SignalSample(self.state)

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_unknown_signal_state_never_makes_an_offence():
    source = FixedSignal(SignalState.UNKNOWN)
    rules = stage(zone="crosswalk", classes=["person"], signals=SignalBoard([source]))
    assert play(rules, together(walk(1, (300, 100), (300, 260), 17)), start=3.0) == []
    # and a camera whose board lacks the signal is the same as unknown
    rules = stage(zone="crosswalk", classes=["person"], signals=SignalBoard([]))
    assert play(rules, together(walk(1, (300, 100), (300, 260), 17)), start=3.0) == []


def test_a_vehicle_over_the_stop_line_on_red_carries_its_plate():
    rules = stage(line="stop", classes=["vehicle"], plate_lookup={1: "AB12CDE"}.get)
    car = walk(1, (300, 400), (300, 100), 31, VEHICLE)
    (event,) = play(rules, together(car), start=2.0)
    assert event.values["plate"] == "AB12CDE" and event.values["offence"] is True
    assert event.values["line"] == "stop" and event.values["direction"] == "a_to_b"
    # crossed (first frame 6 px past the line, y = 240, frame 16) at 3.6 s: red for 3.6 s
    assert event.values["crossed_at"] == pytest.approx(T0 + 3.6)
    assert event.values["red_for_s"] == pytest.approx(3.6)


def test_the_other_direction_over_a_one_way_stop_line_is_not_checked():
    rules = stage(line="stop", classes=["vehicle"])
    assert play(rules, together(walk(1, (300, 100), (300, 400), 31, VEHICLE)), start=2.0) == []


def test_an_offence_waits_for_the_plate_reader_then_goes_without():
    plates: dict[int, str] = {}
    rules = stage(line="stop", classes=["vehicle"], plate_lookup=plates.get, plate_wait_s=2)
    car = walk(1, (300, 400), (300, 100), 31, VEHICLE)
    events = play(rules, together(car), start=2.0)
    assert events == []  # crossed at 3.6 s, confirmed at 3.7 s, no plate yet
    plates[1] = "XY99ZZZ"
    (event,) = rules.process(frame(5.1), tracks([(1, 300, 90, VEHICLE)]))
    assert event.values["plate"] == "XY99ZZZ"
    assert event.time == pytest.approx(T0 + 3.7)  # the event keeps its own frame's time

    # Another car: no plate ever; it goes out when the wait is over, plate None.
    car2 = walk(2, (300, 400), (300, 100), 31, VEHICLE)
    events = play(rules, together(car2), start=42.0)
    assert events == []  # the 2 s wait from 43.7 s is not over by the last frame at 45 s
    (late,) = rules.process(frame(45.8), tracks([]))
    assert late.track_local_id == 2 and late.values["plate"] is None

    # A third whose track ends before the wait is over: finish hands it out.
    car3 = walk(3, (300, 400), (300, 200), 16, VEHICLE)
    assert play(rules, together(car3), start=82.0) == []
    (ended,) = rules.finish([3])
    assert ended.track_local_id == 3 and ended.values["plate"] is None


def test_signal_readings_from_a_board_the_caller_owns():
    board = SignalBoard([FixedSignal(SignalState.RED)])
    rules = stage(zone="crosswalk", classes=["person"], signals=board)
    (event,) = play(rules, together(walk(1, (300, 100), (300, 260), 17)), start=13.0)
    # The board first saw red at 13.0 s; the walker entered at 14.0 s.
    assert event.values["red_for_s"] == pytest.approx(1.0)
    reading = SignalReading("main", SignalState.RED, T0, {})
    assert reading.held_for(T0 + 2) == 2 and PERSON == 0

"""Left-behind objects on synthetic frames: a person walks in, puts a bag down, walks off.

The scene is a textured grey floor (camera noise added each frame); the person is a dark box
the test also hands to the rules as a track, as the tracker would; the bag is a dark patch
the detector does not know (no track).
"""

from __future__ import annotations

import numpy as np
import pytest
from rule_tracks import T0, camera, frame, tracks

from citywatch.rules import RuleStage

FPS = 10
BAG = (330, 325, 360, 350)  # x1, y1, x2, y2
FLOOR = np.clip(np.random.default_rng(0).normal(120, 12, (480, 640, 3)), 0, 255)
# Camera noise: a few frames' worth, drawn once and taken in turn (drawing it anew is slow).
NOISE = np.random.default_rng(1).normal(0, 3, (7, 480, 640, 3)).astype(np.float32)


def picture(person_x: float | None, bag: bool, step: int) -> np.ndarray:
    image = (FLOOR + NOISE[step % len(NOISE)]).astype(np.float32)
    if person_x is not None:
        x = int(person_x)
        image[250:350, x - 20 : x + 20] = (90, 40, 30)  # the person, feet at y = 350
    if bag:
        x1, y1, x2, y2 = BAG
        image[y1:y2, x1:x2] = (30, 30, 35)
    return np.clip(image, 0, 255).astype(np.uint8)


def scene(bag_from: float, bag_until: float = 1e9, person: bool = True, seconds: float = 16):
    """(t, person foot x or None, bag shown) per frame: the person walks in from x = 60
    (there in the first frame), stands at x = 300 from 2.5 s to 5.5 s, walks off to the
    right and out of view at about 9 s."""
    for i in range(int(seconds * FPS)):
        t = i / FPS
        if not person or t > 9.0:
            x = None
        elif t < 2.5:
            x = 60 + 96 * t
        elif t < 5.5:
            x = 300.0
        else:
            x = 300 + 100 * (t - 5.5)
        yield t, x, bag_from <= t < bag_until


def run(rule: dict, steps, zones: list[dict] | None = None) -> list:
    stage = RuleStage(camera(zones=zones or [], rules=[rule]), "run1")
    events = []
    for step, (t, x, bag) in enumerate(steps):
        objects = [] if x is None else [(7, x, 350)]
        image = picture(x, bag, step)
        events += stage.process(frame(t, image, FPS), tracks(objects, size=(40, 100)))
        if x is None and t == 9.1:
            events += stage.finish([7])
    return events


RULE = {"type": "left_behind", "name": "bag", "min_static_s": 4, "min_area_px": 200}


def test_a_bag_put_down_and_left_is_reported_once_with_its_owner():
    events = run(RULE, scene(bag_from=4.0))
    (event,) = events
    assert event.type == "left_behind" and event.track_local_id is None
    values = event.values
    assert values["owner_track"] == 7 and values["owner_class"] == "person"
    # Seen from 4.0 s (beside the person, not under their box); still for 4 s at 8.0 s.
    assert values["appeared_at"] == pytest.approx(T0 + 4.0, abs=0.15)
    assert values["static_s"] == pytest.approx(4.0, abs=0.15)
    assert event.time == pytest.approx(T0 + 8.0, abs=0.15)
    x, y, w, h = values["box"]
    assert abs(x - BAG[0]) <= 4 and abs(y - BAG[1]) <= 4
    assert abs(w - (BAG[2] - BAG[0])) <= 6 and abs(h - (BAG[3] - BAG[1])) <= 6
    assert event.thumbnail is not None and event.thumbnail.shape[0] > h


def test_a_bag_picked_up_again_is_not_reported():
    assert run(RULE, scene(bag_from=3.0, bag_until=5.0)) == []


def test_something_that_appears_with_nobody_near_is_not_reported():
    # A patch appears on the floor (light, a shadow) while no one is in view.
    assert run(RULE, scene(bag_from=4.0, person=False)) == []


def test_the_person_who_walked_in_leaves_no_ghost_where_they_first_stood():
    # No bag: the person's box in the first frame must not become "a thing left there".
    assert run(RULE, scene(bag_from=1e9)) == []


def test_only_inside_its_zone():
    zone = {"name": "platform", "polygon": [[0, 0], [640, 0], [640, 200], [0, 200]]}
    rule = {**RULE, "zone": "platform"}
    assert run(rule, scene(bag_from=4.0), zones=[zone]) == []
    rule = {**RULE, "zone": "floor"}
    floor = {"name": "floor", "polygon": [[0, 200], [640, 200], [640, 480], [0, 480]]}
    assert len(run(rule, scene(bag_from=4.0), zones=[floor])) == 1

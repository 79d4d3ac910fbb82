"""The real reader on real photos and video: texts measured with bench/plates_eval.py.

Each case stands for a difficulty: an EU band, O/0 on a British plate, a large vanity plate
the first pass sees only part of, the Slovak emblem and Czech stickers between character
groups, I/1 settled by the format, white on blue, a Quebec plate between its state name and
slogan, a Californian one in a dealer frame, and the UK video frames with a vote over them.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from citywatch.plates.geometry import overlap
from citywatch.plates.reader import PlateReader
from citywatch.plates.voting import vote

pytestmark = pytest.mark.slow

OPENALPR = {
    "eu1.jpg": "M5XSX",  # German band "D" beside it
    "eu5.jpg": "OY09FEU",  # British: O and 0 both on the plate
    "eu4.jpg": "BIMMIAN",  # vanity, large: found in part first, then widened
    "eu9.jpg": "W053011",  # white characters on blue
    "test_011.jpg": "RK346AL",  # Slovak shield between RK and the digits
    "test_063.jpg": "1B25790",  # Czech stickers between the groups
    "test_042.jpg": "BA268IM",  # the I the recogniser reads as 1, fixed by the format
}
PHOTOS = {"car.jpg": "FMA6383", "car3.jpg": "VODKAA", "car2.jpg": "STA5131E"}


def load(path: Path) -> np.ndarray:
    image = cv2.imread(str(path))
    assert image is not None, path
    return image


def labelled_box(plates_dir: Path, name: str) -> tuple[float, float, float, float]:
    fields = (plates_dir / "openalpr_eu" / name).with_suffix(".txt").read_text().split()
    return float(fields[1]), float(fields[2]), float(fields[3]), float(fields[4])


@pytest.mark.parametrize(("name", "text"), sorted(OPENALPR.items()))
def test_european_plates(reader: PlateReader, plates_dir: Path, name: str, text: str):
    reads = reader.read(load(plates_dir / "openalpr_eu" / name))
    box = labelled_box(plates_dir, name)
    on_plate = [r for r in reads if overlap(tuple(map(float, r.box)), box) > 0.3]
    assert on_plate, reads
    assert on_plate[0].text == text and on_plate[0].confidence >= 0.5


@pytest.mark.parametrize(("name", "text"), sorted(PHOTOS.items()))
def test_north_american_and_german_photos(reader: PlateReader, plates_dir: Path, name, text):
    reads = reader.read(load(plates_dir / "yolov4_custom_functions" / name))
    assert reads and reads[0].text == text


def test_uk_video_frames_and_their_vote(reader: PlateReader, plates_dir: Path):
    capture = cv2.VideoCapture(str(plates_dir / "yolov4_custom_functions" / "license_plate.mp4"))
    frames = []
    index = 0
    while len(frames) < 4:
        ok, frame = capture.read()
        assert ok
        if index % 40 == 0:
            frames.append(frame)
        index += 1
    capture.release()
    reads = [reader.read(frame) for frame in frames]
    assert all(r and r[0].text == "LS15EBC" for r in reads), [[p.text for p in r] for r in reads]
    voted = vote([r[0] for r in reads])
    assert voted is not None and voted.text == "LS15EBC" and voted.votes == 4


def test_inside_given_vehicle_boxes_one_plate_each(reader: PlateReader, plates_dir: Path):
    image = load(plates_dir / "yolov4_custom_functions" / "car4.jpg")
    vehicle = (127.0, 47.0, 414.0, 293.0)  # what vehicle-detection-0201 finds
    empty_corner = (0.0, 0.0, 100.0, 60.0)
    reads = reader.read(image, vehicles=[empty_corner, vehicle])
    assert [(r.text, r.vehicle) for r in reads] == [("KS67AEA", 1)]
    assert reader.read(image, vehicles=[]) == []


def test_vehicle_type_and_colour(reader: PlateReader, plates_dir: Path):
    image = load(plates_dir / "yolov4_custom_functions" / "car4.jpg")  # a white VW T-Roc
    attributes = reader.vehicle_attributes(image, (127.0, 47.0, 414.0, 293.0))
    assert attributes is not None
    assert (attributes.vehicle_type, attributes.colour) == ("car", "white")


def test_an_image_without_plates_gives_none(reader: PlateReader):
    assert reader.read(np.full((360, 640, 3), 128, np.uint8)) == []

"""Reading the plate in one candidate region: text lines, band letters, stacked plates, repair.

A region (from `localise`) is a loose window around where a plate probably is. Reading it:

1. The text detector runs again on the region alone, scaled so the expected characters are
   about 32 px tall: at that scale it separates the registration from the small print around
   it (state names, slogans, dealer frames, band letters), which the whole-image pass at low
   resolution cannot.
2. Lines: the tallest text box is the registration; boxes on its row (a plate split by an
   emblem) join it left to right, and a row of similar height right above or below it makes
   a stacked (two-line) plate, read top row first. Smaller lines are decoration and dropped.
3. The EU band (the blue strip with the country code) is cut off the left of the first box;
   rows that read as words (`normalise.is_word_line`) are dropped.
4. Each box is cut out level (deskewed by its rectangle's angle) from the full-resolution
   image and read; `normalise.repair` then drops emblem artefacts and settles look-alike
   characters against the plate formats.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import cv2
import numpy as np

from citywatch.plates.geometry import Box, clip_box, crop_box, crop_rotated, union_box
from citywatch.plates.normalise import Repaired, country_prefix, is_word_line, repair
from citywatch.plates.patterns import CLASSES, PLATE_ALPHABET, PlateFormat
from citywatch.plates.rapid import CharRead, RapidTextDetector, RapidTextRecognizer, TextBox

# Height the characters get in the region pass of the text detector.
REGION_TEXT_PX = 32
REGION_MAX_SIDE = 640
MAX_TILT_DEG = 30.0
_SEPARATOR = re.compile(r"[^0-9A-Za-z]+")


@dataclass(frozen=True)
class PlateText:
    """One plate read from one region. `box` is the union of the lines read (image pixels)."""

    text: str
    confidence: float
    box: Box
    char_probs: tuple[float, ...]
    char_dists: tuple[tuple[float, ...], ...] = field(repr=False)  # per kept char, over ALPHABET
    lines: int
    raw: str  # what the recogniser read, lines joined by "|"
    plate_format: str | None  # region of the format the text fits ("GB", "SK"...), if any
    ink: float  # share of dark pixels in the lines read: below 0.5 for dark text on a light plate
    crop: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class OcrSettings:
    formats: tuple[PlateFormat, ...]
    no_format_penalty: float = 3.0
    min_chars: int = 2
    max_chars: int = 10
    region_pass: bool = True  # run the detector again on the region (step 1)
    trim_band: bool = True
    repair: bool = True  # False: the characters as read (benchmarks measure what repair adds)
    keep_crop: bool = False


class PlateOcr:
    """Reads plate regions with RapidOCR's detector and recogniser."""

    def __init__(
        self,
        detector: RapidTextDetector,
        recognizer: RapidTextRecognizer,
        settings: OcrSettings,
    ) -> None:
        self.detector = detector
        self.recognizer = recognizer
        self.settings = settings

    def read_region(
        self, image: np.ndarray, region: Box, lines: list[TextBox] | None = None
    ) -> PlateText | None:
        """The plate in `region`, or None when nothing there reads as a plate.

        `lines`: text boxes already found inside the region (image pixels), used as they are
        when the region pass is off, and to pick the detector's scale when it is on.
        """
        height, width = image.shape[:2]
        region = clip_box(region, width, height)
        if region[2] < 4 or region[3] < 4:
            return None
        if self.settings.region_pass or not lines:
            boxes = self._detect_in_region(image, region, lines)
            wider = _widen_for_cut_lines(region, boxes, width, height)
            if wider is not None:  # the registration runs past the region: look again
                region = wider
                boxes = self._detect_in_region(image, region, lines)
        else:
            boxes = list(lines)
        rows, main = plate_rows(boxes)
        if not rows:
            return None
        return self._read_rows(image, rows, main)

    # --- steps ---------------------------------------------------------------------------

    def _detect_in_region(
        self, image: np.ndarray, region: Box, lines: list[TextBox] | None
    ) -> list[TextBox]:
        crop, (ox, oy) = crop_box(image, region)
        ch, cw = crop.shape[:2]
        expected = max((b.text_height for b in lines or []), default=ch / 3.0)
        scale = REGION_TEXT_PX / max(expected, 1.0)
        scale = min(scale, REGION_MAX_SIDE / max(ch, cw))
        prob = self.detector.probability_map(crop, scale)
        found = self.detector.boxes(prob, 1 / scale, 1 / scale)
        return [
            TextBox((b.center[0] + ox, b.center[1] + oy), b.size, b.angle, b.score, b.text_height)
            for b in found
        ]

    def _read_rows(
        self, image: np.ndarray, rows: list[list[TextBox]], main: int
    ) -> PlateText | None:
        read: dict[int, _Row] = {}
        for row_index, row in enumerate(rows):
            found = self._read_row(image, row, trim=row_index == 0 or row_index == main)
            if found is not None:
                read[row_index] = found
        if main not in read:
            return None
        # One row, or (when a second row of similar height was found) both: the better
        # explanation wins. Leaving out a row of clearly read characters is not free: the
        # two-row reading gets half a point (log) per such character, two at most, so a
        # fragment of the first row that happens to fit a broad format does not win.
        options = [[read[main]]]
        if len(read) == 2:
            options.append([read[i] for i in sorted(read)])
        best: tuple[float, list[_Row], Repaired] | None = None
        for chosen in options:
            chars = [c for row in chosen for c in row.chars]
            if not chars:
                continue
            if self.settings.repair:
                fixed = repair(
                    chars,
                    self.settings.formats,
                    no_format_penalty=self.settings.no_format_penalty,
                    prefix=country_prefix(chosen[0].tokens),
                )
            else:
                fixed = repair(chars, (), no_format_penalty=0.0, max_drops=0)
            if not self.settings.min_chars <= len(fixed.text) <= self.settings.max_chars:
                continue
            score = fixed.score
            if len(chosen) > 1:
                extra = [row for index, row in sorted(read.items()) if index != main][0]
                score += min(2.0, 0.5 * sum(1 for c in extra.chars if c.mass >= 0.9))
            if best is None or score > best[0]:
                best = (score, chosen, fixed)
        if best is None:
            return None
        _, chosen, fixed = best
        chars = [c for row in chosen for c in row.chars]
        kept = [c for i, c in enumerate(chars) if i not in fixed.dropped]
        box = union_box([b.xywh for row in chosen for b in row.boxes])
        return PlateText(
            text=fixed.text,
            confidence=fixed.confidence,
            box=box,
            char_probs=fixed.char_probs,
            char_dists=_dists(kept, fixed.plate_format),
            lines=len(chosen),
            raw="|".join(row.raw for row in chosen),
            plate_format=fixed.plate_format.region if fixed.plate_format else None,
            ink=float(np.mean([row.ink for row in chosen])),
            crop=_plate_crop(image, box) if self.settings.keep_crop else None,
        )

    def _read_row(self, image: np.ndarray, row: list[TextBox], trim: bool) -> _Row | None:
        chars: list[CharRead] = []
        tokens: list[str] = []
        raw: list[str] = []
        boxes: list[TextBox] = []
        inks: list[float] = []
        for box_index, box in enumerate(row):
            crop: np.ndarray | None = _line_crop(image, box)
            if trim and box_index == 0 and self.settings.trim_band and crop is not None:
                crop = trim_band(crop)
            if crop is None:  # the whole box was the band
                continue
            line = self.recognizer.read(crop)
            raw.append(line.text)
            tokens.extend(t for t in _SEPARATOR.split(line.text) if t)
            # Symbols (dashes, dots, an emblem read as punctuation) carry almost no mass
            # over the plate alphabet; leave out the clear ones before repair.
            chars.extend(c for c in line.chars if c.char != " " and c.mass >= 0.3)
            boxes.append(box)
            inks.append(ink_share(crop))
        text = " ".join(raw)
        if not chars or is_word_line(text):
            return None
        return _Row(tuple(chars), text, tuple(tokens), tuple(boxes), float(np.mean(inks)))


@dataclass(frozen=True)
class _Row:
    chars: tuple[CharRead, ...]
    raw: str
    tokens: tuple[str, ...]
    boxes: tuple[TextBox, ...]
    ink: float


def plate_rows(boxes: list[TextBox]) -> tuple[list[list[TextBox]], int]:
    """The registration's rows, top first, each left to right, and which one is the main row
    (([], 0): no usable text).

    The tallest level box is the registration's; boxes of similar height on its row join it,
    and so does one row of similar height directly above or below (stacked plates).
    """
    level = [
        b
        for b in boxes
        if abs(b.angle) <= MAX_TILT_DEG and b.text_height >= 5 and b.size[0] >= b.size[1] * 0.6
    ]
    if not level:
        return [], 0
    # The registration: the largest line among the tallest (a sticker's big digits are as
    # tall but shorter; a band letter is as tall but a single character).
    tallest = max(b.text_height for b in level)
    main = max(
        (b for b in level if b.text_height >= 0.75 * tallest),
        key=lambda b: b.size[0] * b.text_height,
    )
    tall = main.text_height
    similar = [b for b in level if 0.65 * tall <= b.text_height <= 1.5 * tall]
    main_row = _row_of(main, similar)
    rows = [main_row]
    main_index = 0
    x1, _, w, _ = union_box([b.xywh for b in main_row])
    others = [b for b in similar if b not in main_row]
    for direction in (-1, 1):  # above, below
        near = [
            b
            for b in others
            if 0.7 * tall <= direction * (b.center[1] - main.center[1]) <= 2.2 * tall
            and _x_overlap(b.xywh, (x1, 0, w, 1)) >= 0.5
        ]
        if near:
            row = _row_of(max(near, key=lambda b: b.size[0]), near)
            if direction < 0:
                rows.insert(0, row)
                main_index = 1
            else:
                rows.append(row)
            break  # two rows at most
    return rows, main_index


def _widen_for_cut_lines(region: Box, boxes: list[TextBox], width: int, height: int) -> Box | None:
    """A larger region when the main line touches the region's edge (None: it does not).

    The whole-image pass at low resolution can see only part of a large registration (one
    word of it), or only the state name above it; the region pass then finds the main line
    cut by the window's edge. The window grows on the sides it was cut: three character
    heights sideways, one and a half up or down.
    """
    if not boxes:
        return None
    main = max(boxes, key=lambda b: b.text_height * b.size[0])
    x, y, w, h = main.xywh
    th = main.text_height
    rx, ry, rw, rh = region
    left = x <= rx + 2 and rx > 0
    right = x + w >= rx + rw - 2 and rx + rw < width
    top = y <= ry + 2 and ry > 0
    bottom = y + h >= ry + rh - 2 and ry + rh < height
    if not (left or right or top or bottom):
        return None
    side, updown = 3.0 * th, 1.5 * th
    grown = (
        rx - (side if left else 0.0),
        ry - (updown if top else 0.0),
        rw + (side if left else 0.0) + (side if right else 0.0),
        rh + (updown if top else 0.0) + (updown if bottom else 0.0),
    )
    return clip_box(grown, width, height)


def _row_of(seed: TextBox, boxes: list[TextBox]) -> list[TextBox]:
    """`seed` and the boxes on its line within a character gap or two of it, left to right."""
    row = [seed]
    tall = seed.text_height
    changed = True
    while changed:
        changed = False
        for box in boxes:
            if box in row or abs(box.center[1] - seed.center[1]) > 0.5 * tall:
                continue
            bx = box.xywh
            for member in row:
                mx = member.xywh
                gap = max(bx[0] - (mx[0] + mx[2]), mx[0] - (bx[0] + bx[2]))
                if gap <= 1.5 * tall:
                    row.append(box)
                    changed = True
                    break
    return sorted(row, key=lambda b: b.center[0])


def _x_overlap(a: Box, b: Box) -> float:
    inter = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    narrower = min(a[2], b[2])
    return max(0.0, inter) / narrower if narrower > 0 else 0.0


def _line_crop(image: np.ndarray, box: TextBox) -> np.ndarray:
    """The box cut out level, a little wider than detected (the detector's ends run tight)."""
    w, h = box.size
    pad = 0.15 * h
    return crop_rotated(image, box.center, (w + 2 * pad, h), box.angle)


def trim_band(crop: np.ndarray) -> np.ndarray | None:
    """The crop without an EU band at its left edge; None when it is nothing but band.

    The band is a strip of saturated blue (OpenCV hue 95-135) with the stars and the country
    code. "Saturated" is relative to the crop, because white plates under a blue cast measure
    a saturation of 70-80 themselves: a band pixel must beat the crop's median by 50 (or be
    above 200). A crop that is mostly that blue is a blue plate (white characters on blue),
    not a band, and is kept; unless it is small and squarish: a box holding the band alone.
    Columns from the left where most pixels are band blue are cut, plus a small margin.
    """
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    floor = max(90.0, min(float(np.median(sat)) + 50.0, 200.0))
    blue = ((hue >= 95) & (hue <= 135) & (sat >= floor) & (val >= 40)).mean(axis=0)
    width = crop.shape[1]
    if blue.mean() > 0.4:
        whole_band = width < 2.5 * crop.shape[0] and blue.mean() > 0.6
        return None if whole_band else crop
    limit = int(width * 0.35)
    end = 0
    for x in range(limit):
        if blue[x] >= 0.4:
            end = x + 1
        elif x - end > 2:  # past the band (allow a couple of columns of edge noise)
            break
    if end < 2:
        return crop
    margin = int(math.ceil(0.05 * crop.shape[0]))
    return crop[:, min(width - 8, end + margin) :]


def ink_share(crop: np.ndarray) -> float:
    """Share of the darker of two Otsu classes in a line crop.

    Characters are the minority of a text line's pixels, so this is below one half for dark
    characters on a light plate, the usual plate, and above it for light lettering on a dark
    surface, the usual badge (chrome "RENAULT" on paint) and sign-written van.
    """
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    threshold, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return float((grey <= threshold).mean())


def _plate_crop(image: np.ndarray, box: Box) -> np.ndarray:
    x, y, w, h = box
    crop, _ = crop_box(image, (x - 0.05 * w, y - 0.2 * h, 1.1 * w, 1.4 * h))
    return crop.copy()


def _dists(
    chars: list[CharRead], plate_format: PlateFormat | None
) -> tuple[tuple[float, ...], ...]:
    """Each kept character's distribution over the alphabet, within the class its format
    wants when the read fits one: the vote across frames then adds up what the repair
    decided (a British "LSI5EBC" read is LS15EBC), not what the recogniser first preferred."""
    out = []
    for index, char in enumerate(chars):
        probs = char.probs
        if plate_format is not None:
            allowed = CLASSES[plate_format.classes[index]]
            probs = tuple(
                p if c in allowed else 0.0 for c, p in zip(PLATE_ALPHABET, probs, strict=True)
            )
            if not any(probs):  # nothing of that class at all: keep what was read
                probs = char.probs
        out.append(_normalised(probs))
    return tuple(out)


def _normalised(probs: tuple[float, ...]) -> tuple[float, ...]:
    total = sum(probs)
    if total <= 0:
        return tuple(1.0 / len(probs) for _ in probs)
    return tuple(p / total for p in probs)

"""Clothing colour from a person crop, by counting pixels in a fixed palette.

Two ways to choose the pixels, one way to name them:

- `region_colours` (classical, no model): the upper body is rows 0.2-0.5 of the box and the
  lower body rows 0.55-0.8, central columns only, so that the background beside a thin
  person and the head and feet above and below count as little as possible.
- `point_colours`: a window around the top and bottom "colour points" that
  person-attributes-recognition-crossroad-0230 outputs (normalised x, y in the crop).

On our eye labels (bench/attributes_eval.py, 8 crops per track) the two tie: 79 % vs 80 %
of upper and 88 % vs 87 % of lower crops right; per track, 93 % of upper colours for both
and 96 % vs 93 % of lower ones. The model's points barely move (y = 0.32 and 0.66 of the
box, sd 0.02) and the same window at that fixed place scores the same, so the points add
no placement skill on these crops. `region` is the default because it gives the same
colours whether or not the model is installed. The points looked better at first only
because their window was tighter than the first lower band (0.55-0.9, which took in shoes
and ground).

Each pixel is named achromatic first (too dark, or too little chroma, to have a hue worth
trusting: black, grey, white), then by hue, with dark warm hues called brown and pale reds
pink. A region's colour is the palette colour that wins its vote with at least `min_share`;
otherwise None, because a filter that says "not sure" is better than one that says a wrong
colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from citywatch.attributes.types import PALETTE, Colour

_INDEX = {name: i for i, name in enumerate(PALETTE)}
_HUE_CLASSES = np.array(
    [_INDEX[n] for n in ("red", "orange", "yellow", "green", "blue", "purple", "pink", "red")]
)
_WARM = [_INDEX["red"], _INDEX["orange"], _INDEX["yellow"]]
_REDDISH = [_INDEX["red"], _INDEX["pink"]]
_ACHROMATIC = (_INDEX["black"], _INDEX["grey"], _INDEX["white"])


@dataclass(frozen=True)
class ColourRules:
    """Pixel thresholds on value (max channel, 0..1), chroma (max - min channel, 0..1) and
    saturation (chroma / value), and hue edges in degrees.

    Footage is dim and washed out: a brown jacket in TUD-Campus is value 0.25, chroma 0.06,
    and the dark folds of blue jeans fall below any "black" cut. So a region is called by
    its coloured pixels when at least `chromatic_share` of them are coloured (the dark folds
    then do not outvote the cloth), and by black/grey/white otherwise. The defaults were set
    on our hand-labelled PETS09 and TUD-Campus crops (bench/attributes_eval.py).
    """

    black_value: float = 0.12  # below: black whatever the hue (too dark to have one)
    min_chroma: float = 0.04  # below: no hue
    min_saturation: float = 0.18  # ...or chroma / value below this: no hue
    grey_value: float = 0.3  # achromatic pixels below: black
    white_value: float = 0.7  # achromatic pixels above: white
    brown_value: float = 0.55  # warm hues (red, orange, yellow) darker than this: brown
    brown_chroma: float = 0.45  # ...and at most this much chroma (vivid dark red stays red)
    pink_chroma: float = 0.35  # light reds and magentas with less chroma than this: pink
    pink_value: float = 0.6
    chromatic_share: float = 0.3  # a region with this share of coloured pixels is coloured
    # Hue edges: red < 15 <= orange < 42 <= yellow < 70 <= green < 165 <= blue < 255 <= purple
    # < 295 <= pink < 340 <= red.
    hue_edges: tuple[float, ...] = (15.0, 42.0, 70.0, 165.0, 255.0, 295.0, 340.0)


@dataclass(frozen=True)
class ColourVote:
    """The winning palette colour of some pixels and the share of pixels it won."""

    colour: Colour | None
    share: float
    pixels: int


@dataclass(frozen=True)
class ClothingColours:
    upper: ColourVote
    lower: ColourVote


DEFAULT_RULES = ColourRules()
# Rows as fractions of the box height, columns of its width. The lower band stops at 0.8, not
# at 0.9: shoes and the ground between the feet cost 6 points of per-crop accuracy on our
# labels (88 % -> 81 %, bench/attributes_eval.py "region_lower_0.9").
UPPER_ROWS = (0.2, 0.5)
LOWER_ROWS = (0.55, 0.8)
CENTRE_COLUMNS = (0.3, 0.7)
MIN_SHARE = 0.35


def classify_pixels(bgr: np.ndarray, rules: ColourRules = DEFAULT_RULES) -> np.ndarray:
    """Palette index (into PALETTE) of every pixel of an (..., 3) uint8 BGR array."""
    pixels = np.asarray(bgr, dtype=np.uint8).reshape(-1, 1, 3)
    if pixels.size == 0:
        return np.zeros(0, dtype=np.int64)
    values = pixels.astype(np.float32) / 255.0
    value = values.max(axis=2).ravel()
    chroma = value - values.min(axis=2).ravel()
    hue = cv2.cvtColor(pixels, cv2.COLOR_BGR2HSV_FULL)[:, 0, 0].astype(np.float32) * (360 / 256)

    out = _HUE_CLASSES[np.digitize(hue, rules.hue_edges)]
    warm = np.isin(out, _WARM)
    out[warm & (value < rules.brown_value) & (chroma <= rules.brown_chroma)] = _INDEX["brown"]
    reddish = np.isin(_HUE_CLASSES[np.digitize(hue, rules.hue_edges)], _REDDISH)
    out[reddish & (chroma < rules.pink_chroma) & (value >= rules.pink_value)] = _INDEX["pink"]

    achromatic = (chroma < rules.min_chroma) | (chroma < rules.min_saturation * value)
    grey_level = np.where(
        value < rules.grey_value,
        _INDEX["black"],
        np.where(value > rules.white_value, _INDEX["white"], _INDEX["grey"]),
    )
    out = np.where(achromatic, grey_level, out)
    out[value < rules.black_value] = _INDEX["black"]
    return out.astype(np.int64)


def dominant_colour(
    bgr: np.ndarray, min_share: float = MIN_SHARE, rules: ColourRules = DEFAULT_RULES
) -> ColourVote:
    """The colour of a garment region, or None when no colour wins `min_share` of its vote.

    Coloured pixels vote among themselves when they are at least `rules.chromatic_share` of
    the region (shadows and folds are dark whatever the cloth); otherwise black, grey and
    white vote among all pixels.
    """
    classes = classify_pixels(bgr, rules)
    if classes.size == 0:
        return ColourVote(None, 0.0, 0)
    counts = np.bincount(classes, minlength=len(PALETTE))
    chromatic = counts.copy()
    chromatic[list(_ACHROMATIC)] = 0
    if chromatic.sum() >= rules.chromatic_share * classes.size:
        voters, total = chromatic, int(chromatic.sum())
    else:
        voters, total = counts, int(classes.size)
    best = int(np.argmax(voters))
    share = float(voters[best]) / total
    colour = PALETTE[best] if share >= min_share else None
    return ColourVote(colour, share, int(classes.size))


def band(
    crop: np.ndarray,
    rows: tuple[float, float],
    columns: tuple[float, float] = CENTRE_COLUMNS,
) -> np.ndarray:
    """The part of `crop` between fractions `rows` of its height and `columns` of its width,
    at least one pixel each way."""
    height, width = crop.shape[:2]
    y1, y2 = _span(rows, height)
    x1, x2 = _span(columns, width)
    return crop[y1:y2, x1:x2]


def region_colours(
    crop: np.ndarray, min_share: float = MIN_SHARE, rules: ColourRules = DEFAULT_RULES
) -> ClothingColours:
    """Upper and lower clothing colour from fixed body bands of a person crop."""
    return ClothingColours(
        upper=dominant_colour(band(crop, UPPER_ROWS), min_share, rules),
        lower=dominant_colour(band(crop, LOWER_ROWS), min_share, rules),
    )


def point_patch(
    crop: np.ndarray, point: tuple[float, float], half_size: tuple[float, float] = (1 / 6, 1 / 10)
) -> np.ndarray:
    """The patch of `crop` around a normalised (x, y) point, `half_size` as fractions of the
    crop's (width, height); the OMZ crossroad demo samples this window around 0230's points."""
    x, y = (min(max(float(v), 0.0), 1.0) for v in point)
    return band(crop, (y - half_size[1], y + half_size[1]), (x - half_size[0], x + half_size[0]))


def point_colours(
    crop: np.ndarray,
    top_point: tuple[float, float],
    bottom_point: tuple[float, float],
    min_share: float = MIN_SHARE,
    rules: ColourRules = DEFAULT_RULES,
) -> ClothingColours:
    """Upper and lower clothing colour around 0230's top and bottom colour points."""
    return ClothingColours(
        upper=dominant_colour(point_patch(crop, top_point), min_share, rules),
        lower=dominant_colour(point_patch(crop, bottom_point), min_share, rules),
    )


def _span(fractions: tuple[float, float], size: int) -> tuple[int, int]:
    start = int(round(min(max(fractions[0], 0.0), 1.0) * size))
    stop = int(round(min(max(fractions[1], 0.0), 1.0) * size))
    start = min(start, max(size - 1, 0))
    return start, max(stop, start + 1)

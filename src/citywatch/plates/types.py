"""What the plate stage hands on: reads per image, voted plates per track, vehicle attributes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

VEHICLE_TYPES = ("car", "van", "truck", "bus")  # vehicle-attributes-recognition-barrier-0039
VEHICLE_COLOURS = ("white", "grey", "yellow", "red", "green", "blue", "black")


@dataclass(frozen=True)
class PlateRead:
    """One plate read in one image.

    `text`: upper case letters and digits, no spaces or dashes. `box`: (x, y, w, h) in image
    pixels around the characters read. `confidence`: 0..1, the geometric mean of the
    character probabilities after format repair. `vehicle`: index into the `vehicles` the
    caller passed, when it passed some and the plate lies in one.
    """

    text: str
    box: tuple[int, int, int, int]
    confidence: float
    plate_format: str | None = None  # region whose format the text fits ("GB", "SK"...)
    vehicle: int | None = None
    lines: int = 1  # 2 for a stacked plate
    char_probs: tuple[float, ...] = field(default=(), repr=False)
    # Per character, probabilities over citywatch.plates.patterns.PLATE_ALPHABET: what
    # character-level voting across frames adds up.
    char_dists: tuple[tuple[float, ...], ...] = field(default=(), repr=False)
    crop: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, object]:
        """The DESIGN.md form: {"text", "box": [x, y, w, h], "confidence"}."""
        return {"text": self.text, "box": list(self.box), "confidence": round(self.confidence, 4)}


@dataclass(frozen=True)
class VotedPlate:
    """A track's plate after voting over its reads.

    `votes`: reads that agreed with the result's length and took part; `reads`: all reads
    the track had. `box` and `crop` come from the read most like the result, most confident.
    """

    text: str
    confidence: float
    votes: int
    reads: int
    box: tuple[int, int, int, int]
    crop: np.ndarray | None = field(default=None, repr=False, compare=False)
    plate_format: str | None = None


@dataclass(frozen=True)
class VehicleAttributes:
    """vehicle-attributes-recognition-barrier-0039 on one vehicle crop (softmax scores)."""

    vehicle_type: str
    type_score: float
    colour: str
    colour_score: float

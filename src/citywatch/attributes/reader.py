"""Read one `PersonAttributes` from a track's best body crops and face crops.

A track gives a few good views; single crops are noisy (a colour point on a bag strap, a
frame where the person is half behind someone), so colours are a majority vote over crops
and probabilities are means. Gender comes from the face when a usable face crop exists
(age-gender-recognition-retail-0013 is trained for it), else from the body model's is_male
on crops at least `body_gender_min_px` wide (0230's card asks for 80 px; on 45-60 px
crops of PETS09 and TUD-Campus it said female at 0.72-0.73 for two people we took for
men); age only ever comes from a face.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from citywatch.attributes.colour import (
    DEFAULT_RULES,
    MIN_SHARE,
    ClothingColours,
    ColourRules,
    ColourVote,
    point_colours,
    region_colours,
)
from citywatch.attributes.models import BodyReading, OmzAgeGender, OmzPersonAttributes
from citywatch.attributes.types import (
    BOOLEAN_ATTRIBUTES,
    Colour,
    Gender,
    GenderSource,
    PersonAttributes,
    age_band,
)
from citywatch.config.attributes import AttributesConfig
from citywatch.core.errors import ConfigError
from citywatch.models import ModelRegistry

log = logging.getLogger("citywatch.attributes")

PERSON_ATTRIBUTES_KIND = "person-attributes"
FACE_ATTRIBUTES_KIND = "face-attributes"


@dataclass(frozen=True)
class ReaderSettings:
    """How crops become attributes (see AttributesConfig for what each one means)."""

    colour_method: Literal["points", "region"] = "region"
    min_colour_share: float = MIN_SHARE
    gender_min_probability: float = 0.7
    face_padding: float = 0.15
    face_crop_margin: float = 0.2
    min_face_px: int = 24
    body_gender_min_px: int = 80
    rules: ColourRules = DEFAULT_RULES


class PersonAttributeReader:
    """Thread-safe: the models keep one infer request per thread; nothing else is shared."""

    def __init__(
        self,
        body_model: OmzPersonAttributes | None = None,
        face_model: OmzAgeGender | None = None,
        settings: ReaderSettings | None = None,
    ) -> None:
        self.body_model = body_model
        self.face_model = face_model
        self.settings = settings or ReaderSettings()
        if self.settings.colour_method == "points" and body_model is None:
            raise ConfigError("attributes: colour_method points needs the person attribute model")

    @property
    def name(self) -> str:
        parts = [f"colour:{self.settings.colour_method}"]
        parts += [m.name for m in (self.body_model, self.face_model) if m is not None]
        return "+".join(parts)

    def read(
        self, body_crops: Sequence[np.ndarray], face_crops: Sequence[np.ndarray] = ()
    ) -> PersonAttributes:
        """Attributes of one person from BGR body crops (the whole box) and face crops (with
        `face_crop_margin` around the face box). Empty lists give an all-unknown result."""
        s = self.settings
        bodies = [c for c in body_crops if _is_image(c)]
        readings = [self.body_model.read(c) for c in bodies] if self.body_model else []
        paired: list[BodyReading | None] = list(readings) or [None] * len(bodies)
        colours = [self._colours(crop, r) for crop, r in zip(bodies, paired, strict=True)]
        probabilities = {
            name: _mean([getattr(r, name) for r in readings]) for name in BOOLEAN_ATTRIBUTES
        }
        faces = self._usable_faces(face_crops)
        gender, gender_p, source = None, None, None
        age = None
        if faces and self.face_model is not None:
            estimates = [self.face_model.estimate(face) for face in faces]
            female = float(np.mean([e.female for e in estimates]))
            gender, gender_p, source = _gender(female, "face")
            age = float(np.median([e.age_years for e in estimates]))
        else:
            wide = [
                r
                for c, r in zip(bodies, readings, strict=False)
                if c.shape[1] >= s.body_gender_min_px
            ]
            if wide:
                male = float(np.mean([r.is_male for r in wide]))
                gender, gender_p, source = _gender(1.0 - male, "body")
        if gender_p is not None and gender_p < s.gender_min_probability:
            gender = None
        return PersonAttributes(
            upper_colour=majority_colour([c.upper for c in colours]),
            lower_colour=majority_colour([c.lower for c in colours]),
            **probabilities,
            gender_estimate=gender,
            gender_probability=gender_p,
            gender_source=source,
            age_estimate_years=age,
            age_band=age_band(age) if age is not None else None,
            body_crops=len(bodies),
            face_crops=len(faces) if self.face_model is not None else 0,
        )

    def _colours(self, crop: np.ndarray, reading: BodyReading | None) -> ClothingColours:
        s = self.settings
        if s.colour_method == "points" and reading is not None:
            return point_colours(
                crop, reading.top_point, reading.bottom_point, s.min_colour_share, s.rules
            )
        return region_colours(crop, s.min_colour_share, s.rules)

    def _usable_faces(self, face_crops: Sequence[np.ndarray]) -> list[np.ndarray]:
        s = self.settings
        trimmed = [
            trim_face(f, s.face_crop_margin, s.face_padding) for f in face_crops if _is_image(f)
        ]
        return [f for f in trimmed if min(f.shape[:2]) >= s.min_face_px]


def majority_colour(votes: Sequence[ColourVote]) -> Colour | None:
    """The colour most crops voted for (unknowns abstain); a tie goes to the colour with the
    larger summed pixel share, so a clear colour beats one that only just won its crops."""
    tally: dict[Colour, tuple[int, float]] = {}
    for vote in votes:
        if vote.colour is not None:
            count, share = tally.get(vote.colour, (0, 0.0))
            tally[vote.colour] = (count + 1, share + vote.share)
    if not tally:
        return None
    return max(tally, key=lambda colour: tally[colour])


def trim_face(crop: np.ndarray, margin: float, padding: float) -> np.ndarray:
    """The centre of a face crop cut with `margin` per side, down to the face box grown by
    `padding` (square). Crops already tighter than that are returned as they are."""
    height, width = crop.shape[:2]
    box_w, box_h = width / (1 + 2 * margin), height / (1 + 2 * margin)
    side = max(box_w, box_h) * (1 + padding)
    if side >= min(width, height):
        return crop
    x1 = int(round((width - side) / 2))
    y1 = int(round((height - side) / 2))
    size = max(int(round(side)), 1)
    return crop[y1 : y1 + size, x1 : x1 + size]


def _gender(female: float, source: GenderSource) -> tuple[Gender, float, GenderSource]:
    if female >= 0.5:
        return "female", female, source
    return "male", 1.0 - female, source


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _is_image(crop: np.ndarray) -> bool:
    return crop is not None and crop.ndim == 3 and crop.shape[2] == 3 and min(crop.shape[:2]) > 0


# --- building a reader from configuration ----------------------------------------------------

_logged: set[str] = set()
_logged_lock = threading.Lock()


def _log_once(message: str, *args: object) -> None:
    """Cameras each build a reader; the fallback is said once per process, not per camera."""
    text = message % args
    with _logged_lock:
        if text in _logged:
            return
        _logged.add(text)
    log.warning("%s", text)


def create_attribute_reader(
    config: AttributesConfig | None, registry: ModelRegistry
) -> PersonAttributeReader:
    """The models the configuration asks for that are present, else colour only (logged)."""
    config = config or AttributesConfig()
    body = face = None
    if config.backend != "colour":
        body_files = _resolve(config, registry, config.person_model, PERSON_ATTRIBUTES_KIND)
        if body_files is not None:
            body = OmzPersonAttributes(body_files, device=config.device)
        else:
            _log_once(
                "attribute model %s is not in the model directory; person attributes are "
                "clothing colours only (no bag, hat, sleeves or gender estimates)",
                config.person_model,
            )
        if config.face_model:
            face_files = _resolve(config, registry, config.face_model, FACE_ATTRIBUTES_KIND)
            if face_files is not None:
                face = OmzAgeGender(face_files, device=config.device)
            else:
                _log_once(
                    "face attribute model %s is not in the model directory; no age estimates",
                    config.face_model,
                )
    method = config.colour_method
    if method == "points" and body is None:
        _log_once("attributes: colour_method points needs %s; using region", config.person_model)
        method = "region"
    settings = ReaderSettings(
        colour_method=method,
        min_colour_share=config.min_colour_share,
        gender_min_probability=config.gender_min_probability,
        face_padding=config.face_padding,
        face_crop_margin=config.face_crop_margin,
        min_face_px=config.min_face_px,
        body_gender_min_px=config.body_gender_min_px,
    )
    reader = PersonAttributeReader(body, face, settings)
    log.info("attributes: %s", reader.name)
    return reader


def _resolve(
    config: AttributesConfig, registry: ModelRegistry, name: str, kind: str
) -> Path | None:
    """The model's .xml, or None when `auto` and absent (`openvino`: absent is an error)."""
    spec = registry.spec(name)
    if spec.kind != kind or spec.source != "omz":
        raise ConfigError(f"attributes: {name} is not an OMZ {kind} model")
    precisions = {p.lower() for p in spec.precisions}
    precision = (
        config.precision if config.precision and config.precision.lower() in precisions else None
    )
    if config.backend == "openvino":
        return registry.require(name, precision).xml
    found = registry.find(name, precision)
    return found.xml if found is not None else None

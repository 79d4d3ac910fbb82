"""What the attribute stage produces: one `PersonAttributes` per person track.

Attributes are search filters ("a red top and blue trousers, with a backpack"), never an
identity and never evidence on their own. Gender and age are *estimates* from appearance
and are named so. There is no ethnicity, race or skin-tone attribute, and there must never
be one: a unit test fails if a field name mentions them.

Colours come from a small fixed palette so that a query and a stored value always compare
by equality; None means "not sure", which is better for a filter than a wrong colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal, cast, get_args

Colour = Literal[
    "black", "white", "grey", "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown"
]
Gender = Literal["female", "male"]
AgeBand = Literal["child", "teen", "adult", "senior"]
GenderSource = Literal["face", "body"]

PALETTE: tuple[Colour, ...] = get_args(Colour)
GENDERS: tuple[Gender, ...] = get_args(Gender)
AGE_BANDS: tuple[AgeBand, ...] = get_args(AgeBand)

# The yes/no attributes, as PersonAttributes fields holding a probability 0..1.
BOOLEAN_ATTRIBUTES = (
    "bag",
    "backpack",
    "hat",
    "long_sleeves",
    "long_pants",
    "long_hair",
    "coat",
)


def age_band(years: float) -> AgeBand:
    """child < 13, teen 13-19, adult 20-59, senior 60+ (whole years, as people say them)."""
    if years < 13:
        return "child"
    if years < 20:
        return "teen"
    if years < 60:
        return "adult"
    return "senior"


@dataclass(frozen=True)
class PersonAttributes:
    """Clothing colours, attribute probabilities and appearance estimates for one track.

    Probabilities are None when the model that gives them is absent (colour-only mode), so
    "no model" never reads as "no bag". `gender_probability` is the model's probability of
    `gender_estimate`'s gender; the estimate itself is None when that probability was too
    low to state one (the probability is kept so a person can see how unsure it was).
    Age comes only from a face crop, never from the body.
    """

    upper_colour: Colour | None = None
    lower_colour: Colour | None = None
    bag: float | None = None
    backpack: float | None = None
    hat: float | None = None
    long_sleeves: float | None = None
    long_pants: float | None = None
    long_hair: float | None = None
    coat: float | None = None
    gender_estimate: Gender | None = None
    gender_probability: float | None = None
    gender_source: GenderSource | None = None
    age_estimate_years: float | None = None
    age_band: AgeBand | None = None
    body_crops: int = 0  # how many crops the values above were read from
    face_crops: int = 0

    def __post_init__(self) -> None:
        for name in ("upper_colour", "lower_colour"):
            _check_choice(name, getattr(self, name), PALETTE)
        _check_choice("gender_estimate", self.gender_estimate, GENDERS)
        _check_choice("gender_source", self.gender_source, get_args(GenderSource))
        _check_choice("age_band", self.age_band, AGE_BANDS)
        for name in (*BOOLEAN_ATTRIBUTES, "gender_probability"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: {value} is not a probability in 0..1")
        if self.age_estimate_years is not None and self.age_estimate_years < 0:
            raise ValueError(f"age_estimate_years: {self.age_estimate_years} is negative")

    def probability(self, name: str) -> float | None:
        """The probability of one of BOOLEAN_ATTRIBUTES (None: no model gave it)."""
        if name not in BOOLEAN_ATTRIBUTES:
            raise KeyError(name)
        return cast(float | None, getattr(self, name))

    def to_json(self) -> dict[str, Any]:
        """A plain dict with every field, always the same keys, floats rounded to 4 places."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            out[item.name] = round(value, 4) if isinstance(value, float) else value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PersonAttributes:
        """The inverse of `to_json`. Missing keys take their defaults; unknown keys are errors
        (a stored record with a field we do not know is a bug, not something to drop)."""
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"person attributes: unknown key(s) {', '.join(unknown)}")
        values = dict(data)
        for name in (*BOOLEAN_ATTRIBUTES, "gender_probability", "age_estimate_years"):
            if values.get(name) is not None:
                values[name] = float(values[name])
        return cls(**values)


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{name}: {value!r} is not one of {', '.join(allowed)}")

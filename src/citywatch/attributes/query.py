"""Attribute search filters: `upper=red lower=blue bag=yes age=adult`.

A query narrows a search; it never names a person. `matches` is the strict filter (every
given criterion must be known and hold), `score` ranks candidates 0..1 where unknown
values count half, so a track the models could not read sorts below the ones that match
and above the ones that contradict. Ethnicity, race and skin are not attributes and are
refused with a message that says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import cast

from citywatch.attributes.types import (
    AGE_BANDS,
    GENDERS,
    PALETTE,
    AgeBand,
    Colour,
    Gender,
    PersonAttributes,
)
from citywatch.core.errors import UsageError

_BOOLEAN_FIELDS = ("bag", "backpack", "hat", "long_sleeves", "long_pants", "long_hair", "coat")

# Key spellings people type -> AttributeQuery field.
_KEYS = {
    "upper": "upper_colour",
    "upper_colour": "upper_colour",
    "upper_color": "upper_colour",
    "top": "upper_colour",
    "lower": "lower_colour",
    "lower_colour": "lower_colour",
    "lower_color": "lower_colour",
    "bottom": "lower_colour",
    "bag": "bag",
    "backpack": "backpack",
    "hat": "hat",
    "sleeves": "long_sleeves",
    "long_sleeves": "long_sleeves",
    "pants": "long_pants",
    "trousers": "long_pants",
    "long_pants": "long_pants",
    "hair": "long_hair",
    "long_hair": "long_hair",
    "coat": "coat",
    "jacket": "coat",
    "gender": "gender",
    "age": "age_band",
    "age_band": "age_band",
}
_REFUSED = ("race", "ethnic", "ethnicity", "skin", "skin_colour", "skin_color", "skin_tone")
_YES = {"yes", "y", "true", "1", "long"}
_NO = {"no", "n", "false", "0", "short"}
_COLOUR_ALIASES = {"gray": "grey", "navy": "blue", "violet": "purple", "beige": "brown"}


@dataclass(frozen=True)
class AttributeQuery:
    """Each field None (not asked) or the wanted value."""

    upper_colour: Colour | None = None
    lower_colour: Colour | None = None
    bag: bool | None = None
    backpack: bool | None = None
    hat: bool | None = None
    long_sleeves: bool | None = None
    long_pants: bool | None = None
    long_hair: bool | None = None
    coat: bool | None = None
    gender: Gender | None = None
    age_band: AgeBand | None = None

    @classmethod
    def parse(cls, text: str | Iterable[str]) -> AttributeQuery:
        """From `key=value` words: one string, or CLI arguments (each may hold several).

        Errors are one-line `UsageError`s naming the bad key or value and what is allowed.
        """
        parts = [text] if isinstance(text, str) else list(text)
        words = [word for part in parts for word in part.split()]  # no value has a space
        values: dict[str, object] = {}
        for word in words:
            key, sep, raw = word.partition("=")
            key = key.strip().lower().replace("-", "_")
            raw = raw.strip().lower()
            if not sep or not key:
                raise UsageError(f"attribute query: {word!r} is not key=value (e.g. upper=red)")
            if key in _REFUSED:
                raise UsageError(
                    f"attribute query: {key!r} is not an attribute; citywatch never reads "
                    "ethnicity, race or skin colour"
                )
            name = _KEYS.get(key)
            if name is None:
                raise UsageError(
                    f"attribute query: unknown key {key!r} (known: {', '.join(_KNOWN_KEYS)})"
                )
            if name in values:
                raise UsageError(f"attribute query: {key} is given twice")
            if not raw:
                raise UsageError(f"attribute query: {key}= needs a value")
            values[name] = _value(key, name, raw)
        return cls(**values)  # type: ignore[arg-type]

    def criteria(self) -> dict[str, object]:
        """The asked fields only."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }

    def is_empty(self) -> bool:
        return not self.criteria()

    def to_text(self) -> str:
        """The query as `parse` reads it back, short key names."""
        out = []
        for name, value in self.criteria().items():
            key = _SHORT.get(name, name)
            shown = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            out.append(f"{key}={shown}")
        return " ".join(out)


_KNOWN_KEYS = (
    "upper",
    "lower",
    "bag",
    "backpack",
    "hat",
    "sleeves",
    "pants",
    "hair",
    "coat",
    "gender",
    "age",
)
_SHORT = {
    "upper_colour": "upper",
    "lower_colour": "lower",
    "long_sleeves": "sleeves",
    "long_pants": "pants",
    "long_hair": "hair",
    "age_band": "age",
}


def _value(key: str, name: str, raw: str) -> object:
    if name in ("upper_colour", "lower_colour"):
        colour = _COLOUR_ALIASES.get(raw, raw)
        if colour not in PALETTE:
            raise UsageError(f"attribute query: {key}={raw} is not a colour ({', '.join(PALETTE)})")
        return colour
    if name in _BOOLEAN_FIELDS:
        if raw in _YES:
            return True
        if raw in _NO:
            return False
        raise UsageError(f"attribute query: {key}={raw} is not yes or no")
    if name == "gender":
        gender = {"f": "female", "woman": "female", "m": "male", "man": "male"}.get(raw, raw)
        if gender not in GENDERS:
            raise UsageError(f"attribute query: {key}={raw} is not one of {', '.join(GENDERS)}")
        return gender
    if raw not in AGE_BANDS:
        raise UsageError(f"attribute query: {key}={raw} is not one of {', '.join(AGE_BANDS)}")
    return raw


def matches(
    attributes: PersonAttributes, query: AttributeQuery, present_threshold: float = 0.5
) -> bool:
    """True when every criterion of `query` is known for `attributes` and holds.

    Yes/no attributes hold at probability >= `present_threshold` for yes, below it for no; an
    attribute no model read (None) never matches, because "unknown" is not "no".
    """
    for name, wanted in query.criteria().items():
        if name in _BOOLEAN_FIELDS:
            p = attributes.probability(name)
            if p is None or (p >= present_threshold) != wanted:
                return False
        elif name == "gender":
            if attributes.gender_estimate != wanted:
                return False
        elif getattr(attributes, name) != wanted:
            return False
    return True


def score(attributes: PersonAttributes, query: AttributeQuery) -> float:
    """0..1 for ranking: the mean over criteria of how well each holds.

    Colours and age band: 1 equal, 0 different, 0.5 unknown. Yes/no: the probability of the
    wanted answer (0.5 unknown). Gender: the probability of the wanted gender (0.5 unknown).
    An empty query scores 1.
    """
    parts: list[float] = []
    for name, wanted in query.criteria().items():
        if name in _BOOLEAN_FIELDS:
            p = attributes.probability(name)
            parts.append(0.5 if p is None else (p if wanted else 1.0 - p))
        elif name == "gender":
            parts.append(_gender_probability(attributes, cast(Gender, wanted)))
        else:
            have = getattr(attributes, name)
            parts.append(0.5 if have is None else float(have == wanted))
    return float(sum(parts) / len(parts)) if parts else 1.0


def _gender_probability(attributes: PersonAttributes, wanted: Gender) -> float:
    p = attributes.gender_probability
    if p is None:
        return 0.5
    if attributes.gender_estimate is None:
        return 0.5  # below the reader's confidence: as good as unknown
    return p if attributes.gender_estimate == wanted else 1.0 - p

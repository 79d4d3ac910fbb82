"""Plate formats (which letters and digits go where) and wildcard search over plate texts.

Formats are written without separators, one class per position: `L` a letter, `D` a digit,
`A` either; `{m,n}` or `{n}` repeats the class before it. They serve two purposes:

- repairing a read (normalise.repair): a read that fits no format, but would fit one if an
  uncertain character took its second-best class (I/1, O/0, B/8, S/5...) or if a low-mass
  character (an emblem, a sticker, a band letter) were dropped, is probably that;
- deciding whether a line of text is a plate at all (a read that fits a format is a plate more
  often than a badge or a dealer's name).

The list covers the common current formats of the UK and the EU countries in the test data and
a few frequent North American ones; `FORMATS` keeps them by region so a deployment can keep
only its own (`PlatesConfig.regions`). Vanity plates fit none and are still read, only without
repair.

Search (`plate_matches`) compares canonical forms: upper case, no separators, and the letters
O and I read as the digits 0 and 1, because many plate fonts draw them the same and the
labels people type confuse them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
PLATE_ALPHABET = DIGITS + LETTERS  # the characters a plate text is made of, in this order
CLASSES = {"L": LETTERS, "D": DIGITS, "A": PLATE_ALPHABET}

# region -> formats. Sources: national registration-plate schemes (current series).
FORMATS: dict[str, tuple[str, ...]] = {
    "GB": ("LLDDLLL", "LD{1,3}LLL", "LLLD{1,3}L"),
    "IE": ("D{2,3}L{1,2}D{1,6}",),
    "FR": ("LLDDDLL",),
    "IT": ("LLDDDLL",),
    "ES": ("DDDDLLL",),
    "PT": ("LLDDLL", "DDLLDD", "DDDDLL", "LLDDDD"),
    "DE": ("L{1,3}L{1,2}D{1,4}L{0,1}",),  # the last letter: E (electric), H (historic)
    "AT": ("L{1,2}D{3,5}L{1,2}",),
    "CH": ("LLD{1,6}",),
    "NL": ("LLDDLL", "DDLLDD", "DDLLLD", "DLLLDD", "LLDDDL", "LDDDLL", "LLLDDL", "DLLDDD"),
    "BE": ("DLLLDDD",),
    "PL": ("LLDDDDD", "LLLDDDD", "LLDDDLL", "LLLDDLL"),
    "CZ": ("DLDDDDD", "DLLDDDD", "LLLDDDD"),
    "SK": ("LLDDDLL",),
    "HR": ("LLD{3,4}L{1,2}",),
    "HU": ("LLLDDD", "LLLLDDD"),
    "RO": ("LDDLLL", "LLDDLLL", "LDDDLLL"),
    "BG": ("L{1,2}DDDDL{1,2}",),
    "SE": ("LLLDDA",),
    "NO": ("LLDDDDD",),
    "DK": ("LLDDDDD",),
    "FI": ("LLLDDD",),
    "US": ("DLLLDDD", "LLLDDDD", "LLLDDD", "DDDLLL", "LLDDDDD", "DLLDDD"),
    "CA": ("LLLDDDD", "LLLDDD", "DDDLLL", "DLLDDDL"),
}

_TEMPLATE = re.compile(r"([LDA])(?:\{(\d+)(?:,(\d+))?\})?")


@dataclass(frozen=True)
class PlateFormat:
    """One fixed-length expansion of a format: a class string such as "LLDDDLL".

    `prior` (natural log, <= 0) makes broad formats weaker evidence than exact ones: a format
    with k expansions gives each log(k) / 2 less, so "L{1,3}L{1,2}D{1,4}L{0,1}" (48 of them)
    does not outvote "LLDDDLL" when a read could be either.
    """

    region: str
    classes: str
    prior: float = 0.0

    def fits(self, text: str) -> bool:
        return len(text) == len(self.classes) and all(
            char in CLASSES[cls] for char, cls in zip(text, self.classes, strict=True)
        )


def expand(template: str) -> list[str]:
    """Every fixed-length class string a template stands for ("LD{1,2}" -> LD, LDD)."""
    parts: list[list[str]] = [[""]]
    position = 0
    while position < len(template):
        match = _TEMPLATE.match(template, position)
        if match is None:
            raise ValueError(f"bad plate format {template!r} at {template[position:]!r}")
        cls, low, high = match.group(1), match.group(2), match.group(3)
        lo = int(low) if low else 1
        hi = int(high) if high else lo
        parts.append([cls * n for n in range(lo, hi + 1)])
        position = match.end()
    expansions = [""]
    for options in parts:
        expansions = [done + option for done in expansions for option in options]
    return expansions


@lru_cache(maxsize=32)
def formats_for(regions: tuple[str, ...] | None = None) -> tuple[PlateFormat, ...]:
    """Fixed-length formats of the named regions (all regions when None), without repeats."""
    names = regions if regions else tuple(FORMATS)
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise ValueError(
            f"unknown plate region(s) {', '.join(unknown)} (known: {', '.join(FORMATS)})"
        )
    seen: dict[str, PlateFormat] = {}
    for region in names:
        for template in FORMATS[region]:
            expansions = expand(template)
            prior = -0.5 * math.log(len(expansions))
            for classes in expansions:
                known = seen.get(classes)
                if known is None or prior > known.prior:
                    seen[classes] = PlateFormat(region, classes, prior)
    return tuple(seen.values())


def matching_format(text: str, formats: tuple[PlateFormat, ...]) -> PlateFormat | None:
    for plate_format in formats:
        if plate_format.fits(text):
            return plate_format
    return None


# --- search ---------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-_.·:/]+")
_CANONICAL = str.maketrans({"O": "0", "I": "1"})


def canonical(text: str) -> str:
    """Upper case, separators gone, O read as 0 and I as 1: the form searches compare."""
    return _SEPARATORS.sub("", text).upper().translate(_CANONICAL)


def plate_matches(text: str, pattern: str) -> bool:
    """Whether a plate text fits a search pattern: `*` any run of characters, `?` exactly one.

    Both sides are normalised the same way (`canonical`), so "ab 12*" finds "AB12CDE" and
    "O*" finds "0Y09FEU". A pattern without wildcards must match the whole plate.
    """
    return _pattern_regex(canonical(pattern)).fullmatch(canonical(text)) is not None


@lru_cache(maxsize=1024)
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts))

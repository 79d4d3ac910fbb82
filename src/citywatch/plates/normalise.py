"""From what the recogniser read to a plate text: cleaning, band letters, words, format repair.

Plate texts are upper case letters and digits, without spaces, dashes or dots (DESIGN.md). The
recogniser also reads what is around the characters, and three kinds of noise recur:

- the country code on the EU band or beside the emblem ("D", "GB", "SK", "CZ"): a short token
  of a known code before the registration proper;
- state names, slogans and dealer frames on US and Canadian plates ("Québec", "Je me
  souviens", "California"): lines that are words (lower case, or long runs of letters with no
  digit) rather than registrations;
- emblems and stickers between the character groups (the Slovak shield, the Czech inspection
  stickers), read as an extra "8", "0" or "B" with little probability mass.

`strip_country_code` takes the first kind off a text; `is_word_line` tells the second;
`repair` undoes the last kind (and a country-code token, when told where one is), and
confusions between look-alike characters, using the plate formats (patterns.FORMATS): among
the read as it is, the read with one or two low-mass characters dropped, and each of those
with every position constrained to the class a format wants, it keeps the most probable,
where fitting no format costs `no_format_penalty` (in natural-log units; 3 means a
format-conforming read wins when it is at least e^-3 = 5 % as likely character by
character). Clear characters never change: a character the model gives 97 % stays, because
its second choice is 30 times less likely.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from citywatch.plates.patterns import CLASSES, PLATE_ALPHABET, PlateFormat

ALPHABET = PLATE_ALPHABET

# ISO / Vienna-convention codes printed on the EU band or beside the emblem.
_CODES = """A AL AND B BG BIH BY CH CY CZ D DK E EST F FIN GB GBM GBZ GR H HR I IRL IS L LT LV M
MC MD MK MNE N NL P PL RO RSM RUS S SK SLO SRB UA UK V"""
COUNTRY_CODES = frozenset(_CODES.split())
_TOKEN_SPLIT = re.compile(r"[\s\-_.·:]+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_LOG_FLOOR = 1e-6


class CharLike(Protocol):
    """What `repair` needs of a character: its probabilities over ALPHABET (summing to its
    mass, which is below 1 when the model also saw a symbol or nothing there)."""

    @property
    def probs(self) -> tuple[float, ...]: ...


@dataclass(frozen=True)
class Repaired:
    """A repaired read: the text, per-character probabilities, and what was done to it.

    `score` is the log-probability the choice won with (characters, drops, format prior), for
    comparing hypotheses about the same characters (one row or two, say).
    """

    text: str
    char_probs: tuple[float, ...]
    plate_format: PlateFormat | None
    dropped: tuple[int, ...]  # indices (in the input) of characters taken out
    changed: int  # characters replaced by a look-alike the format wanted
    score: float = 0.0

    @property
    def confidence(self) -> float:
        """Geometric mean of the character probabilities (0 for an empty read)."""
        if not self.char_probs:
            return 0.0
        logs = [math.log(max(p, _LOG_FLOOR)) for p in self.char_probs]
        return float(math.exp(sum(logs) / len(logs)))


def clean(text: str) -> str:
    """Upper case letters and digits only: "ab 12-cd." -> "AB12CD" (accents dropped)."""
    return _NOT_ALNUM.sub("", _ascii_upper(text))


def strip_country_code(text: str) -> str:
    """Drop a leading country-code token ("GB OY09 FEU" -> "OY09 FEU").

    Only a separate token (the recogniser puts a space between the band and the characters)
    that is a known code, and only when at least four characters remain.
    """
    tokens = [t for t in _TOKEN_SPLIT.split(_ascii_upper(text).strip()) if t]
    if len(tokens) >= 2 and tokens[0] in COUNTRY_CODES and len("".join(tokens[1:])) >= 4:
        return " ".join(tokens[1:])
    return text


def normalise_plate(text: str) -> str:
    """A plate text as citywatch stores and prints it: upper case, no separators, no band."""
    return clean(strip_country_code(text))


def is_word_line(raw: str) -> bool:
    """A line of words (state name, slogan, dealer), not a registration.

    Lower-case letters give words away (plates are printed in capitals, and the recogniser
    keeps case); so does a line without a digit that is long ("EMPIRE STATE", nine letters
    or more) or three words of six letters or more in all ("JE ME SOUVIENS"). Two short
    capital words ("KM BORAK") can be a vanity plate split by an emblem, and are kept.
    """
    letters = [c for c in raw if c.isalpha()]
    if not letters:
        return False
    lower = sum(1 for c in letters if c.islower())
    if lower >= 2 and lower >= len(letters) / 3:
        return True
    compact = clean(raw)
    has_digit = any(c.isdigit() for c in compact)
    return not has_digit and (len(compact) > 8 or (len(raw.split()) >= 3 and len(compact) > 5))


def repair(
    chars: Sequence[CharLike],
    formats: Sequence[PlateFormat],
    *,
    no_format_penalty: float = 3.0,
    max_drops: int = 2,
    droppable_mass: float = 0.97,
    prefix: int = 0,
    prefix_cost: float = 1.2,
) -> Repaired:
    """The most probable plate text behind a read (see the module docstring).

    `chars`: the read's characters in order. Characters with mass above `droppable_mass` are
    never dropped one by one, except the first and the last (band letters and frame edges sit
    there). `prefix`: the number of leading characters that form a country-code token; they
    may go together, for `prefix_cost` (natural log), when what remains fits better.
    """
    if not chars:
        return Repaired("", (), None, (), 0, -math.inf)
    probs = np.asarray([c.probs for c in chars], dtype=np.float64)  # (n, 36)
    mass = probs.sum(axis=1)
    normalised = probs / np.maximum(mass, _LOG_FLOOR)[:, None]
    n = len(chars)
    droppable = [i for i in range(n) if mass[i] < droppable_mass or i in (0, n - 1)]
    by_length = _formats_by_length(tuple(formats))
    hypotheses: list[tuple[tuple[int, ...], float]] = []
    for count in range(0, min(max_drops, n - 1) + 1):
        for dropped in itertools.combinations(droppable, count):
            cost = float(sum(math.log(max(1.0 - mass[i], _LOG_FLOOR)) for i in dropped))
            hypotheses.append((dropped, cost))
    if 0 < prefix < n - 1:
        hypotheses.append((tuple(range(prefix)), -prefix_cost))
    best: Repaired | None = None
    for dropped, drop_cost in hypotheses:
        kept = [i for i in range(n) if i not in dropped]
        keep_cost = float(sum(math.log(max(mass[i], _LOG_FLOOR)) for i in kept))
        q = normalised[kept]
        free = q.argmax(axis=1)
        # No format: each character its own best.
        free_logp = float(np.log(np.maximum(q.max(axis=1), _LOG_FLOOR)).sum())
        options: list[tuple[float, np.ndarray, PlateFormat | None]] = [
            (free_logp - no_format_penalty, free, None)
        ]
        for plate_format, mask in by_length.get(len(kept), ()):
            constrained = np.where(mask, q, -1.0)
            choice = constrained.argmax(axis=1)
            p = constrained[np.arange(len(kept)), choice]
            logp = float(np.log(np.maximum(p, _LOG_FLOOR)).sum()) + plate_format.prior
            options.append((logp, choice, plate_format))
        for logp, choice, found in options:
            total = logp + drop_cost + keep_cost
            if best is not None and total <= best.score + 1e-9:
                continue
            best = Repaired(
                text="".join(ALPHABET[k] for k in choice),
                char_probs=tuple(
                    float(q[j, k] * mass[i])
                    for j, (i, k) in enumerate(zip(kept, choice, strict=True))
                ),
                plate_format=found,
                dropped=dropped,
                changed=int(np.sum(choice != free)),
                score=total,
            )
    assert best is not None
    return best


def country_prefix(tokens: Sequence[str]) -> int:
    """How many characters of a leading country-code token could go (0: none).

    `tokens`: the first row's text split at spaces and symbols, as read.
    """
    if len(tokens) >= 2:
        first = clean(tokens[0])
        if first in COUNTRY_CODES and len(clean("".join(tokens[1:]))) >= 4:
            return len(first)
    return 0


def _formats_by_length(
    formats: tuple[PlateFormat, ...],
) -> dict[int, list[tuple[PlateFormat, np.ndarray]]]:
    return _MASKS.get(formats) or _MASKS.setdefault(formats, _build_masks(formats))


_MASKS: dict[tuple[PlateFormat, ...], dict[int, list[tuple[PlateFormat, np.ndarray]]]] = {}


def _build_masks(
    formats: tuple[PlateFormat, ...],
) -> dict[int, list[tuple[PlateFormat, np.ndarray]]]:
    out: dict[int, list[tuple[PlateFormat, np.ndarray]]] = {}
    for plate_format in formats:
        mask = np.array(
            [[char in CLASSES[cls] for char in ALPHABET] for cls in plate_format.classes],
            dtype=bool,
        )
        out.setdefault(len(plate_format.classes), []).append((plate_format, mask))
    return out


def _ascii_upper(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()

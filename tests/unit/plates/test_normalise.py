"""From what the recogniser read to a plate text: cleaning, bands, words, format repair."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from citywatch.plates.normalise import (
    clean,
    country_prefix,
    is_word_line,
    normalise_plate,
    repair,
    strip_country_code,
)
from citywatch.plates.patterns import PLATE_ALPHABET, canonical, formats_for

FORMATS = formats_for(None)


@dataclass(frozen=True)
class Char:
    probs: tuple[float, ...]


def char(best: str, p: float = 0.99, mass: float = 1.0, **others: float) -> Char:
    """A character read as `best` with probability p; `others` share the rest of `mass`."""
    probs = dict.fromkeys(PLATE_ALPHABET, 0.0)
    probs[best] = p
    for other, q in others.items():
        probs[other] = q
    rest = mass - sum(probs.values())
    if rest > 0:  # spread what is left thinly, as a softmax does
        for key in probs:
            probs[key] += rest / len(probs)
    return Char(tuple(probs[c] for c in PLATE_ALPHABET))


def word(text: str, p: float = 0.99) -> list[Char]:
    return [char(c, p) for c in text]


@pytest.mark.parametrize(
    ("raw", "plate"),
    [
        ("ab 12-cd.e", "AB12CDE"),
        ("RK-755AJ", "RK755AJ"),
        ("M5·XSX", "M5XSX"),
        ("GB OY09 FEU", "OY09FEU"),  # the band's country code
        ("D M5-XSX", "M5XSX"),
        ("SK BB-135BO", "BB135BO"),
        ("F AB-123-CD", "AB123CD"),
        ("Québec FMA 6383", "QUEBECFMA6383"),  # words are lines' business, not this one's
        ("D 12", "D12"),  # too little left to be a plate without the code
        ("RK 755AJ", "RK755AJ"),  # RK is a district, not a country code
    ],
)
def test_plate_texts_are_upper_case_without_separators_or_band(raw, plate):
    assert normalise_plate(raw) == plate


def test_clean_drops_accents_and_symbols():
    assert clean("ÖÄ-12 ©") == "OA12"
    assert strip_country_code("GB OY09 FEU") == "OY09 FEU"


def test_o_and_0_compare_equal_and_so_do_i_and_1():
    assert canonical("OY09 FEU") == canonical("0Y09FEU") == "0Y09FEU"
    assert canonical("BA268IM") == canonical("BA2681M")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("Québec", True),
        ("Je me souviens", True),
        ("California", True),
        ("dmv.ca.gov", True),
        ("KELLENERS AUTOHAUS", True),
        ("EMPIRE STATE", True),
        ("KM BORAK", False),  # a vanity plate split by the emblem
        ("AB12 CDE", False),
        ("BIMMIAN", False),  # a vanity plate: capitals, one word, short
        ("VW 4X4-WP", False),
        ("7ABC123", False),
    ],
)
def test_state_names_and_slogans_are_word_lines(line, words):
    assert is_word_line(line) is words


def test_an_uncertain_character_takes_the_class_the_format_wants():
    # Slovak LL DDD LL: the sixth character is a letter, so a doubtful 1 is an I.
    chars = [*word("BA268"), char("1", 0.6, I=0.35), char("M")]
    fixed = repair(chars, FORMATS)
    assert fixed.text == "BA268IM" and fixed.changed == 1 and fixed.plate_format is not None


def test_a_confident_character_is_never_changed():
    chars = [*word("BA268"), char("1", 0.97, I=0.02), char("M")]
    assert repair(chars, FORMATS).text == "BA2681M"


def test_uk_plates_get_o_as_a_letter_and_0_as_a_digit():
    chars = [char("0", 0.5, O=0.45), char("Y"), char("0", 0.55, O=0.4), char("9"), *word("FEU")]
    fixed = repair(chars, FORMATS)
    assert fixed.text == "OY09FEU" and fixed.plate_format is not None
    assert fixed.plate_format.region == "GB"


def test_an_emblem_read_as_a_low_mass_character_is_dropped():
    # "RK [shield] 828AG": the shield came out as an R with little mass on the alphabet.
    chars = [char("R", 0.5, mass=0.6), *word("RK828AG")]
    fixed = repair(chars, FORMATS)
    assert fixed.text == "RK828AG" and fixed.dropped == (0,)


def test_czech_stickers_between_the_groups_are_dropped():
    chars = [*word("1B2"), char("8", 0.55, mass=0.62), *word("5790")]
    assert repair(chars, FORMATS).text == "1B25790"


def test_a_country_code_prefix_goes_when_the_rest_fits_a_format():
    chars = word("GBOY09FEU")
    assert repair(chars, FORMATS).text == "GBOY09FEU"  # not without the token boundary
    assert repair(chars, FORMATS, prefix=2).text == "OY09FEU"
    assert country_prefix(["GB", "OY09", "FEU"]) == 2
    assert country_prefix(["RK", "755AJ"]) == 0
    assert country_prefix(["D", "12"]) == 0


def test_vanity_plates_are_kept_as_read():
    for text in ("M5XSX", "BIMMIAN", "GWAGEN", "VW4X4WP", "WOBVWMK4"):
        assert repair(word(text), FORMATS).text == text
    assert repair(word("BIMMIAN"), FORMATS).plate_format is None


def test_confidence_is_the_geometric_mean_of_the_characters():
    fixed = repair(word("AB12CDE", 0.9), FORMATS)
    assert fixed.confidence == pytest.approx(0.9, abs=0.02)
    assert repair([], FORMATS).text == ""


def test_restricting_regions_restricts_the_repair():
    chars = [*word("BA268"), char("1", 0.6, I=0.35), char("M")]
    assert repair(chars, formats_for(("GB",))).text == "BA2681M"  # no British format fits

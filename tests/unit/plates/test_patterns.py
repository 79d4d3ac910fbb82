"""Plate formats and wildcard search over plates."""

from __future__ import annotations

import pytest

from citywatch.plates.patterns import (
    FORMATS,
    canonical,
    expand,
    formats_for,
    matching_format,
    plate_matches,
)


def test_templates_expand_to_fixed_lengths():
    assert expand("LD{1,2}") == ["LD", "LDD"]
    assert expand("L{0,1}DD") == ["DD", "LDD"]
    assert len(expand(FORMATS["DE"][0])) == 3 * 2 * 4 * 2
    with pytest.raises(ValueError, match="bad plate format"):
        expand("LLX")


def test_formats_for_regions():
    british = formats_for(("GB",))
    assert {f.region for f in british} == {"GB"}
    assert matching_format("LS15EBC", british) is not None
    assert matching_format("RK755AJ", british) is None
    assert matching_format("RK755AJ", formats_for(None)) is not None
    with pytest.raises(ValueError, match="unknown plate region"):
        formats_for(("XX",))


def test_broad_formats_weigh_less_than_exact_ones():
    by_classes = {f.classes: f for f in formats_for(None)}
    assert by_classes["LLDDDLL"].prior == 0.0
    assert by_classes["LLDDDDL"].prior < 0.0  # only the broad German and Croatian ones


@pytest.mark.parametrize(
    ("plate", "pattern", "hit"),
    [
        ("AB12CDE", "AB12CDE", True),
        ("AB12CDE", "ab 12-cde", True),
        ("AB12CDE", "AB12*", True),
        ("AB12CDE", "*CDE", True),
        ("AB12CDE", "*12*", True),
        ("AB12CDE", "AB12CD?", True),
        ("AB12CDE", "AB12C?", False),
        ("AB12CDE", "AB12CD", False),  # no wildcard: the whole plate
        ("AB12CDE", "XY*", False),
        ("OY09FEU", "0Y09*", True),  # O and 0 are one character for searching
        ("0Y09FEU", "OYO9FEU", True),
        ("BA268IM", "BA2681M", True),  # and so are I and 1
        ("RK755AJ", "*7?5*", True),
        ("RK755AJ", "*756*", False),
        ("RK755AJ", "*", True),
    ],
)
def test_plate_matches(plate, pattern, hit):
    assert plate_matches(plate, pattern) is hit


def test_canonical():
    assert canonical("ab-12 o.i") == "AB1201"

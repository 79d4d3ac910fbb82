"""Attribute queries: parsing with one-line errors, strict matching and ranking."""

from __future__ import annotations

import pytest

from citywatch.attributes.query import AttributeQuery, matches, score
from citywatch.attributes.types import PersonAttributes
from citywatch.core.errors import UsageError

RED_TOP = PersonAttributes(
    upper_colour="red",
    lower_colour="blue",
    bag=0.8,
    backpack=0.1,
    hat=0.2,
    long_sleeves=0.9,
    long_pants=0.95,
    long_hair=0.6,
    coat=0.3,
    gender_estimate="female",
    gender_probability=0.9,
    gender_source="face",
    age_estimate_years=31.0,
    age_band="adult",
)
COLOUR_ONLY = PersonAttributes(upper_colour="red", lower_colour="blue")


def test_parse_the_issue_example():
    query = AttributeQuery.parse("upper=red lower=blue bag=yes age=adult")
    assert query == AttributeQuery(
        upper_colour="red", lower_colour="blue", bag=True, age_band="adult"
    )
    assert query.criteria() == {
        "upper_colour": "red",
        "lower_colour": "blue",
        "bag": True,
        "age_band": "adult",
    }


def test_parse_takes_split_arguments_aliases_and_any_case():
    query = AttributeQuery.parse(
        ["Upper=Gray", "bottom=navy", "sleeves=short", "gender=F", "hat=no"]
    )
    assert query == AttributeQuery(
        upper_colour="grey", lower_colour="blue", long_sleeves=False, gender="female", hat=False
    )


def test_parse_splits_arguments_that_hold_several_words():
    assert AttributeQuery.parse(["upper=red  lower=blue", "", "bag=yes"]) == AttributeQuery(
        upper_colour="red", lower_colour="blue", bag=True
    )


def test_to_text_reads_back():
    query = AttributeQuery.parse("upper=red pants=yes coat=no gender=male age=senior hair=yes")
    assert AttributeQuery.parse(query.to_text()) == query
    assert AttributeQuery().to_text() == "" and AttributeQuery().is_empty()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour=red", "unknown key 'colour'"),
        ("upper=reddish", "upper=reddish is not a colour"),
        ("bag=maybe", "bag=maybe is not yes or no"),
        ("age=old", "age=old is not one of child, teen, adult, senior"),
        ("gender=x", "gender=x is not one of female, male"),
        ("upper", "'upper' is not key=value"),
        ("=red", "'=red' is not key=value"),
        ("upper=", "upper= needs a value"),
        ("upper=red top=blue", "top is given twice"),
        ("race=x", "never reads ethnicity, race or skin"),
        ("ethnicity=x", "never reads ethnicity, race or skin"),
        ("skin=x", "never reads ethnicity, race or skin"),
    ],
)
def test_errors_are_one_line_and_name_the_bad_key_or_value(text, message):
    with pytest.raises(UsageError) as error:
        AttributeQuery.parse(text)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert error.value.exit_code == 2


def test_matches_needs_every_criterion_known_and_true():
    assert matches(RED_TOP, AttributeQuery.parse("upper=red lower=blue bag=yes age=adult"))
    assert matches(RED_TOP, AttributeQuery.parse("backpack=no gender=female"))
    assert not matches(RED_TOP, AttributeQuery.parse("upper=blue"))
    assert not matches(RED_TOP, AttributeQuery.parse("bag=no"))
    assert not matches(RED_TOP, AttributeQuery.parse("age=senior"))
    assert matches(RED_TOP, AttributeQuery())


def test_unknown_never_matches_because_unknown_is_not_no():
    assert matches(COLOUR_ONLY, AttributeQuery.parse("upper=red"))
    assert not matches(COLOUR_ONLY, AttributeQuery.parse("upper=red bag=no"))
    assert not matches(COLOUR_ONLY, AttributeQuery.parse("gender=male"))
    assert not matches(COLOUR_ONLY, AttributeQuery.parse("age=adult"))


def test_present_threshold_moves_the_yes_no_cut():
    query = AttributeQuery.parse("hair=yes")
    assert matches(RED_TOP, query, present_threshold=0.5)
    assert not matches(RED_TOP, query, present_threshold=0.7)


def test_score_ranks_matches_above_unknowns_above_contradictions():
    query = AttributeQuery.parse("upper=red bag=yes gender=female")
    contradicting = PersonAttributes(
        upper_colour="black", bag=0.1, gender_estimate="male", gender_probability=0.95
    )
    ranked = sorted(
        [contradicting, COLOUR_ONLY, PersonAttributes(), RED_TOP],
        key=lambda a: score(a, query),
        reverse=True,
    )
    assert ranked == [RED_TOP, COLOUR_ONLY, PersonAttributes(), contradicting]
    assert score(RED_TOP, query) == pytest.approx((1 + 0.8 + 0.9) / 3)
    assert score(PersonAttributes(), query) == pytest.approx(0.5)
    assert score(RED_TOP, AttributeQuery()) == 1.0


def test_an_unsure_gender_scores_as_unknown():
    unsure = PersonAttributes(gender_estimate=None, gender_probability=0.6)
    assert score(unsure, AttributeQuery(gender="male")) == 0.5

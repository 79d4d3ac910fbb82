"""Error bodies are one line for a person, and never echo what was sent."""

from __future__ import annotations

from citywatch.api.errors import MAX_DETAIL, one_line, validation_detail


def test_validation_errors_name_the_field_path_and_not_the_value():
    errors = [
        {
            "loc": ("body", "password"),
            "msg": "String should have at least 12 characters",
            "input": "hunter2",
        },
        {"loc": ("query", "limit"), "msg": "Input should be less than or equal to 500"},
    ]
    detail = validation_detail(errors)
    assert detail == (
        "body.password: String should have at least 12 characters; "
        "query.limit: Input should be less than or equal to 500"
    )
    assert "hunter2" not in detail


def test_details_are_one_bounded_line():
    text = one_line("first\nsecond\t third " + "x" * 2000)
    assert "\n" not in text and text.startswith("first second third")
    assert len(text) == MAX_DETAIL

from __future__ import annotations

import pytest

from citywatch.core.redact import mask_in_text, mask_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("rtsp://admin:hunter2@10.0.0.2:554/s1", "rtsp://admin:***@10.0.0.2:554/s1"),
        ("rtsp://admin:p@ss@10.0.0.2/s1", "rtsp://admin:***@10.0.0.2/s1"),
        ("http://cam/snap?token=abc&res=hd", "http://cam/snap?token=***&res=hd"),
        ("postgresql+psycopg://cw:pw@db:5432/cw", "postgresql+psycopg://cw:***@db:5432/cw"),
        ("rtsp://10.0.0.2/s1", "rtsp://10.0.0.2/s1"),
        ("http://user@cam/", "http://user@cam/"),
        ("webcam:0", "webcam:0"),
        ("/srv/video/gate.mp4", "/srv/video/gate.mp4"),
    ],
)
def test_mask_url(given: str, expected: str) -> None:
    assert mask_url(given) == expected


def test_mask_url_survives_urls_that_do_not_parse() -> None:
    # urlsplit raises on the bracket; the password must go anyway.
    assert mask_url("rtsp://u:secret@[broken/x") == "rtsp://u:***@[broken/x"


def test_mask_in_text_masks_every_url_in_a_message() -> None:
    text = "invalid dsn: postgresql://u:s3cret@h/db (also rtsp://a:b@c/x)"
    masked = mask_in_text(text)
    assert "s3cret" not in masked and ":b@" not in masked
    assert "postgresql://u:***@h/db" in masked

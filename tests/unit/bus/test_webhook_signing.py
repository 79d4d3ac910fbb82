import hashlib
import hmac
import random

import pytest

from citywatch.bus.webhooks import backoff_delay, sign, verify_signature

SECRET = "0123456789abcdef-secret"
BODY = b'{"id":"alert-1","type":"alert"}'


def test_signature_is_hmac_sha256_of_the_exact_body():
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, SECRET) == f"sha256={expected}"
    assert verify_signature(BODY, sign(BODY, SECRET), SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha1=abc",
        sign(BODY, "another-secret-entirely"),
        sign(BODY + b" ", SECRET),  # re-serialised JSON is not the same bytes
        sign(BODY, SECRET).upper(),
        sign(BODY, SECRET) + "00",
        "sha256=\u00e9",
    ],
)
def test_anything_else_does_not_verify(header):
    assert not verify_signature(BODY, header, SECRET)


class FixedRandom(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half():
    top = [backoff_delay(n, 0.5, 4.0, FixedRandom(1.0)) for n in range(1, 7)]
    assert top == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    bottom = [backoff_delay(n, 0.5, 4.0, FixedRandom(0.0)) for n in range(1, 7)]
    assert bottom == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    rng = random.Random(7)
    for n in range(1, 12):
        delay = backoff_delay(n, 0.5, 30.0, rng)
        ceiling = min(30.0, 0.5 * 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling


def test_retry_after_wins_when_longer_but_stays_capped():
    assert backoff_delay(1, 0.5, 30.0, FixedRandom(1.0), retry_after=10) == 10
    assert backoff_delay(1, 0.5, 30.0, FixedRandom(1.0), retry_after=3600) == 30
    assert backoff_delay(3, 0.5, 30.0, FixedRandom(1.0), retry_after=0) == 2.0

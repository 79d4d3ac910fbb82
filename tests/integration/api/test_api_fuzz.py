"""OpenAPI fuzzing (schemathesis) of the whole API, in-process: no 5xx, no way in without auth.

Every operation of the document gets generated requests, valid and invalid ones: signed in as
an admin (who may call everything), nothing may answer 5xx; without credentials, everything but
health and sign-in must answer 401. Derandomized and bounded (`EXAMPLES` per operation and
mode), so CI runs the same cases each time, each test in well under a minute a backend;
`CITYWATCH_FUZZ_EXAMPLES=200` digs deeper by hand.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from requests.exceptions import ReadTimeout
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from citywatch.api.auth import SESSION_COOKIE
from citywatch.api.roles import Role

EXAMPLES = int(os.environ.get("CITYWATCH_FUZZ_EXAMPLES", "10"))
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
PUBLIC = {"GET /api/health", "POST /api/auth/login"}
Check = Callable[[Any, Any, Any], None]
STREAM_TYPES = ("text/event-stream", "multipart/x-mixed-replace")
STREAM_S = 0.2
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def load_schema(api, headers):
    return schemathesis.openapi.from_asgi("/api/openapi.json", api.app, headers=headers)


def fuzz(
    schema, check: Check, headers: Callable[[], dict[str, str]], own_auth: bool = False
) -> list[str]:
    """Runs every operation in every mode; returns one line per failing operation.

    The fuzzer makes up credentials too (from the security schemes); with `own_auth` those are
    dropped so that `headers()` is what authenticates the case.
    """
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in MODES:
            try:
                runner(operation, mode, check, headers, own_auth)()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as failure:  # collected, so one run reports every operation
                failures.append(f"{operation.label} ({mode.value}): {summary(failure)}")
    return failures


def runner(operation, mode, check: Check, headers: Callable[[], dict[str, str]], own_auth: bool):
    streams = streaming(operation)

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if own_auth:
            for name in ("X-API-Key", "Authorization"):
                (case.headers or {}).pop(name, None)
            (case.cookies or {}).pop(SESSION_COOKIE, None)
        try:
            # A live stream never ends: what it sent within the timeout is its answer.
            response = case.call(headers=headers(), timeout=STREAM_S if streams else None)
        except ReadTimeout:
            if not streams:
                raise
            return  # it started streaming: headers were sent with a 2xx
        check(operation, case, response)

    return run


def summary(failure: Exception) -> str:
    """The failure's first line and, for schemathesis failures, the request that caused it."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    request = next((line for line in lines if line.startswith("curl ")), "")
    return " ".join(filter(None, [type(failure).__name__, lines[0] if lines else "", request]))


def streaming(operation) -> bool:
    definition = operation.schema.raw_schema["paths"][operation.path][operation.method.lower()]
    return any(
        media_type.startswith(STREAM_TYPES)
        for answer in definition.get("responses", {}).values()
        for media_type in answer.get("content", {})
    )


def test_no_operation_answers_a_server_error_to_an_admin(api):
    admin = api.user("root", Role.ADMIN)
    records = api.users

    def fresh_admin() -> dict[str, str]:
        # The fuzzer may demote or disable its own user, revoke keys or sign out: each case
        # starts from a working admin session (a bearer token: no CSRF, may create keys).
        records.set_disabled(admin.id, False)
        records.set_role(admin.id, Role.ADMIN)
        return {"Authorization": f"Bearer {records.create_session(admin).token}"}

    def no_server_error(operation, case, response) -> None:
        case.validate_response(response, checks=[not_a_server_error])

    schema = load_schema(api, fresh_admin())
    failures = fuzz(schema, no_server_error, fresh_admin, own_auth=True)
    assert not failures, "\n".join(failures)


def test_without_credentials_only_health_and_login_answer_anything_but_401(api):
    admin_key = api.key("root", Role.ADMIN)
    schema = load_schema(api, {"X-API-Key": admin_key})
    operations = {result.ok().label for result in schema.get_all_operations()}
    assert operations >= PUBLIC

    def refused(operation, case, response) -> None:
        if operation.label in PUBLIC:
            case.validate_response(response, checks=[not_a_server_error])
        else:
            assert response.status_code == 401, (operation.label, response.status_code)

    failures = fuzz(schema, refused, dict)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("label", sorted(PUBLIC))
def test_public_operations_are_documented_without_security(api, label):
    schema = load_schema(api, {"X-API-Key": api.key("root", Role.ADMIN)})
    method, path = label.split()
    assert schema.raw_schema["paths"][path][method.lower()]["security"] == []

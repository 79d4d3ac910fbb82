"""`citywatch cases add|list|close`, and what the commands that search stored data or enrol
share: the `--case` and `--purpose` options and the audit entry each of them writes.

The command line is run by whoever can read the data directory, so it acts as an admin (any
open case); the audit log names it `cli:<os user>`.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from citywatch.cli.common import load_or_default

if TYPE_CHECKING:
    from citywatch.api.roles import User
    from citywatch.store import Store
    from citywatch.store.cases import CaseInfo, CaseRecords

app = typer.Typer(help="Open, list and close cases (investigations).", no_args_is_help=True)

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="database, media, indexes")
CONFIG = typer.Option(None, "--config", "-c", help="YAML with the storage settings")
CASE_HELP = "the open case this is for (see `citywatch cases list`)"
PURPOSE_HELP = "why this is needed; written to the audit log"
CASE = typer.Option(..., "--case", help=CASE_HELP)
PURPOSE = typer.Option(..., "--purpose", help=PURPOSE_HELP)
# For commands that touch stored data only in one of their modes (`search face --source`
# searches a file and needs no case).
STORED_CASE = typer.Option(None, "--case", help="stored data: " + CASE_HELP)
STORED_PURPOSE = typer.Option(None, "--purpose", help="stored data: " + PURPOSE_HELP)


def cli_actor() -> str:
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container
        name = "unknown"
    return f"cli:{name}"


def cli_user() -> User:
    from citywatch.api.roles import Role, User

    return User(id=0, username=cli_actor(), role=Role.ADMIN, via="cli")


def require_case(case_ref: str | None, purpose: str | None) -> tuple[str, str]:
    """Both given (the check against the database comes once it is open)."""
    from citywatch.core.errors import UsageError
    from citywatch.privacy.cases import check_purpose

    if case_ref is None or not case_ref.strip():
        raise UsageError("--case: searching stored data needs the open case it is for")
    try:
        return case_ref, check_purpose(purpose)
    except UsageError as error:
        raise UsageError(f"--{error}") from None


def check_cli_case(store: Store, case_ref: str | None, purpose: str | None) -> tuple[str, str]:
    """The case reference and purpose, checked before any stored data is read."""
    from citywatch.privacy.cases import check_case
    from citywatch.store.cases import CaseRecords

    case_ref, text = require_case(case_ref, purpose)
    case = check_case(CaseRecords(store), cli_user(), case_ref)
    return case.ref, text


def audit_cli(
    store: Store,
    action: str,
    case_ref: str | None,
    purpose: str | None,
    target: str | None,
    detail: dict[str, Any],
) -> None:
    from citywatch.privacy.audit import AuditLog

    AuditLog(store).record(cli_actor(), "admin", action, "ok", case_ref, purpose, target, detail)


@contextmanager
def _cases(config_path: Path | None, data_dir: Path) -> Iterator[tuple[Store, CaseRecords]]:
    from citywatch.store import open_store_from_config
    from citywatch.store.cases import CaseRecords

    store = open_store_from_config(load_or_default(config_path).storage, data_dir)
    try:
        yield store, CaseRecords(store)
    finally:
        store.close()


def case_json(case: CaseInfo) -> str:
    return json.dumps(
        {
            "ref": case.ref,
            "title": case.title,
            "status": case.status,
            "members": list(case.members),
            "created_by": case.created_by,
            "created_at": case.created_at,
            "closed_at": case.closed_at,
        }
    )


@app.command("add")
def add(
    ref: str = typer.Argument(..., help="the case reference, e.g. 2026-0042"),
    title: str = typer.Option(..., "--title", help="a short title"),
    description: str = typer.Option("", "--description", help="what the case is about"),
    members: list[str] = typer.Option([], "--member", help="a user assigned to it (repeatable)"),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Open a case, with the investigators assigned to it."""
    with _cases(config, data_dir) as (store, records):
        case = records.create(ref, title, description, cli_actor())
        for member in members:
            case = records.add_member(case.ref, member, cli_actor())
        audit_cli(
            store,
            "case.create",
            case.ref,
            None,
            case.ref,
            {"title": case.title, "members": list(case.members)},
        )
    typer.echo(case_json(case))


@app.command("list")
def list_cases(
    all_cases: bool = typer.Option(False, "--all", help="include closed cases"),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """One JSON object a line per case, newest first."""
    with _cases(config, data_dir) as (_, records):
        for case in records.cases(include_closed=all_cases):
            typer.echo(case_json(case))


@app.command("close")
def close(
    ref: str = typer.Argument(..., help="the case reference"),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Close a case: no more searches or enrolments in it (its record stays)."""
    from citywatch.core.errors import UsageError

    with _cases(config, data_dir) as (store, records):
        case = records.close(ref)
        if case is None:
            raise UsageError(f"case: no case {ref!r}")
        audit_cli(store, "case.close", case.ref, None, case.ref, {})
    typer.echo(case_json(case))

"""`citywatch users add|list|set-role|disable|enable|password`: who may use the API and web UI.

The first admin is made here: the API lets only admins create users. This is also the way
back in when the last admin's password is lost (whoever can run this can read the database).
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citywatch.cli.common import load_or_default
from citywatch.core.errors import UsageError

if TYPE_CHECKING:
    from citywatch.api.roles import Role
    from citywatch.store.users import UserInfo, UserRecords

app = typer.Typer(
    help="Add, list and disable the users of the API and web UI.", no_args_is_help=True
)

DATA_DIR = typer.Option(Path("citywatch-data"), "--data-dir", help="database, media, indexes")
CONFIG = typer.Option(None, "--config", "-c", help="YAML with the storage settings")
PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="read the password from the first line of stdin"
)
GENERATED_PASSWORD_BYTES = 15  # 20 characters


@contextmanager
def _records(config_path: Path | None, data_dir: Path) -> Iterator[UserRecords]:
    from citywatch.store import open_store_from_config
    from citywatch.store.users import UserRecords

    store = open_store_from_config(load_or_default(config_path).storage, data_dir)
    try:
        yield UserRecords(store)
    finally:
        store.close()


def _role(name: str) -> Role:
    from citywatch.api.roles import Role

    try:
        return Role.parse(name)
    except ValueError as exc:
        raise UsageError(f"--role: {exc}") from None


def _password(from_stdin: bool, generate: bool = False) -> str:
    """The new password, checked before the database is opened."""
    from citywatch.store.users import check_password

    return check_password(_read_password(from_stdin, generate))


def _read_password(from_stdin: bool, generate: bool) -> str:
    if generate:
        return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("password: nothing on the first line of stdin")
        return password
    if not sys.stdin.isatty():
        raise UsageError("password: give --password-stdin (or run in a terminal to be asked)")
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(password)


def _found(records: UserRecords, name: str) -> UserInfo:
    user = records.user_by_name(name)
    if user is None:
        raise UsageError(f"no user {name!r}")
    return user


def _row(user: UserInfo) -> dict[str, object]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role.label,
        "created_at": user.created_at,
        "active": user.active,
    }


@app.command("add")
def add(
    name: str = typer.Argument(..., help="username: letters, digits, '.', '_', '@', '-'"),
    role: str = typer.Option("viewer", "--role", help="viewer, investigator or admin"),
    password_stdin: bool = PASSWORD_STDIN,
    generate_password: bool = typer.Option(
        False, "--generate-password", help="make a random password and print it once"
    ),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Add a user; prints it as JSON (with the password only when generated)."""
    wanted = _role(role)
    password = _password(password_stdin, generate_password)
    with _records(config, data_dir) as records:
        user = records.add_user(name, password, wanted)
    row = _row(user)
    if generate_password:
        row["password"] = password
    typer.echo(json.dumps(row))


@app.command("list")
def list_users(
    role: str | None = typer.Option(None, "--role", help="only users with this role"),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """One JSON object a line per user, disabled ones included ("active": false)."""
    wanted = _role(role) if role else None
    with _records(config, data_dir) as records:
        offset = 0
        while page := records.users(wanted, limit=500, offset=offset):
            for user in page:
                typer.echo(json.dumps(_row(user)))
            offset += len(page)


@app.command("set-role")
def set_role(
    name: str = typer.Argument(..., help="username"),
    role: str = typer.Argument(..., help="viewer, investigator or admin"),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Change a user's role (the last active admin stays one)."""
    wanted = _role(role)
    with _records(config, data_dir) as records:
        user = records.set_role(_found(records, name).id, wanted)
    if user is not None:
        typer.echo(json.dumps(_row(user)))


@app.command("disable")
def disable(
    name: str = typer.Argument(..., help="username"),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Disable a user: their sessions end and their API keys stop working."""
    with _records(config, data_dir) as records:
        user = records.set_disabled(_found(records, name).id, True)
    if user is not None:
        typer.echo(json.dumps(_row(user)))


@app.command("enable")
def enable(
    name: str = typer.Argument(..., help="username"),
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Enable a disabled user again."""
    with _records(config, data_dir) as records:
        user = records.set_disabled(_found(records, name).id, False)
    if user is not None:
        typer.echo(json.dumps(_row(user)))


@app.command("password")
def password(
    name: str = typer.Argument(..., help="username"),
    password_stdin: bool = PASSWORD_STDIN,
    data_dir: Path = DATA_DIR,
    config: Path | None = CONFIG,
) -> None:
    """Set a new password for a user; their sessions end."""
    new = _password(password_stdin)
    with _records(config, data_dir) as records:
        user = records.set_password(_found(records, name).id, new)
    if user is not None:
        typer.echo(json.dumps(_row(user)))

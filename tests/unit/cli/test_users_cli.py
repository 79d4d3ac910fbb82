"""`citywatch users`: the first admin from the command line, one JSON object a line."""

from __future__ import annotations

import io
import json

import pytest

from citywatch.cli import main

PASSWORD = "correct horse battery"


@pytest.fixture
def users(tmp_path, monkeypatch, capsys):
    data = str(tmp_path / "data")

    def run(*args: str, stdin: str = "") -> tuple[int, list[dict], str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["users", *args, "--data-dir", data])
        out, err = capsys.readouterr()
        return code, [json.loads(line) for line in out.splitlines()], err

    return run


def test_add_list_and_change_users(users):
    code, [ada], _ = users("add", "Ada", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    assert code == 0 and (ada["username"], ada["role"], ada["active"]) == ("ada", "admin", True)
    assert "password" not in ada
    code, [bob], _ = users("add", "bob", "--generate-password")
    assert code == 0 and bob["role"] == "viewer" and len(bob["password"]) == 20
    assert [u["username"] for u in users("list")[1]] == ["ada", "bob"]
    assert [u["username"] for u in users("list", "--role", "viewer")[1]] == ["bob"]
    assert users("set-role", "bob", "investigator")[1][0]["role"] == "investigator"
    assert users("disable", "bob")[1][0]["active"] is False
    assert users("enable", "bob")[1][0]["active"] is True
    assert users("password", "bob", "--password-stdin", stdin="another long one\n")[0] == 0


def test_mistakes_are_one_line_usage_errors(users):
    users("add", "ada", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    cases = [
        (("add", "bob", "--password-stdin"), "short", "password: needs at least 12 characters"),
        (("add", "bob", "--password-stdin"), "", "password: nothing on the first line of stdin"),
        (("add", "bob", "--role", "king", "--password-stdin"), PASSWORD, "--role: unknown role"),
        (("add", "ada", "--password-stdin"), PASSWORD, "username: 'ada' is taken"),
        (("add", "bob"), "", "password: give --password-stdin"),
        (("disable", "ada"), "", "cannot disable 'ada': they are the last active admin"),
        (("set-role", "nobody", "admin"), "", "no user 'nobody'"),
    ]
    for args, stdin, message in cases:
        code, out, err = users(*args, stdin=stdin)
        assert code == 2 and out == [], args
        errors = [line for line in err.splitlines() if "error" in line.lower()]
        assert len(errors) == 1 and errors[0].startswith(f"citywatch: error: {message}"), err
        assert "Traceback" not in err

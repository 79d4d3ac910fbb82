"""`citywatch audit verify|export` and `citywatch cases`: the exit codes DESIGN.md promises
(0 intact, 1 naming the first broken entry) and the entries the commands write themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from citywatch.cli import main
from citywatch.privacy.audit import AuditLog, verify_lines
from citywatch.store import open_store


def seed(data: Path, count: int) -> list[int]:
    with open_store(None, data, thumbnails=False) as store:
        log = AuditLog(store)
        return [
            log.record("ada", "admin", "search.plates", case_ref="C-1", purpose="p", detail={}).id
            for _ in range(count)
        ]


def tamper(data: Path, statement: str) -> None:
    with open_store(None, data, thumbnails=False) as store, store.engine.begin() as connection:
        connection.execute(text(statement))


def test_verify_exits_0_on_an_intact_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tmp_path, 3)
    assert main(["audit", "verify", "--data-dir", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"intact": True, "entries": 3}


def test_verify_exits_0_on_a_new_data_dir(tmp_path: Path) -> None:
    assert main(["audit", "verify", "--data-dir", str(tmp_path / "new")]) == 0


@pytest.mark.parametrize(
    ("statement", "named", "why"),
    [
        ("UPDATE audit_log SET actor = 'mallory' WHERE id = 2", 2, "edited"),
        ("UPDATE audit_log SET purpose = 'other' WHERE id = 4", 4, "edited"),
        ("DELETE FROM audit_log WHERE id = 2", 3, "deleted"),
        ("DELETE FROM audit_log WHERE id = 4", 4, "deleted"),
    ],
)
def test_verify_exits_1_naming_the_first_broken_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], statement: str, named: int, why: str
) -> None:
    assert seed(tmp_path, 4) == [1, 2, 3, 4]
    tamper(tmp_path, statement)
    capsys.readouterr()
    assert main(["audit", "verify", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err  # also holds the log's "database ready" line
    errors = [line for line in err.splitlines() if line.startswith("citywatch: error")]
    assert len(errors) == 1
    assert errors[0].startswith(f"citywatch: error: audit log broken: entry {named}: {why}")


def test_export_writes_a_chain_an_overseer_can_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tmp_path, 2)
    out = tmp_path / "audit.jsonl"
    assert main(["audit", "export", "--data-dir", str(tmp_path), "--out", str(out)]) == 0
    report = verify_lines(iter(out.read_text().splitlines()))
    assert report.intact and report.entries == 2


def test_cases_add_list_close_are_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path)
    assert main(["cases", "add", "C-7", "--title", "bike thefts", "--data-dir", data]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "open"
    assert main(["cases", "add", "C-7", "--title", "again", "--data-dir", data]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["cases", "close", "C-7", "--data-dir", data]) == 0
    capsys.readouterr()
    assert main(["cases", "list", "--data-dir", data]) == 0
    assert capsys.readouterr().out == ""  # closed cases only with --all
    assert main(["cases", "list", "--all", "--data-dir", data]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "closed"
    with open_store(None, tmp_path, thumbnails=False) as store:
        actions = [e.action for e in AuditLog(store).entries()]
        assert actions == ["case.close", "case.create"]
        assert AuditLog(store).entries()[0].actor.startswith("cli:")


def test_a_stored_search_needs_an_open_case_and_a_purpose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path)
    assert main(["plates", "search", "AB*", "--data-dir", data]) == 2  # --case missing
    capsys.readouterr()
    search = ["plates", "search", "AB*", "--data-dir", data, "--case", "C-1", "--purpose", "x"]
    assert main(search) == 2
    assert "no case 'C-1'" in capsys.readouterr().err
    assert main(["cases", "add", "C-1", "--title", "t", "--data-dir", data]) == 0
    assert main([*search[:-1], " "]) == 2
    assert "--purpose" in capsys.readouterr().err
    assert main(search) == 0
    assert main(["cases", "close", "C-1", "--data-dir", data]) == 0
    capsys.readouterr()
    assert main(search) == 2
    assert "case C-1 is closed" in capsys.readouterr().err
    with open_store(None, tmp_path, thumbnails=False) as store:
        entry = next(e for e in AuditLog(store).entries() if e.action == "search.plates")
        assert (entry.case_ref, entry.purpose) == ("C-1", "x")
        assert json.loads(entry.detail) == {"camera": None, "pattern": "AB*", "reads": []}

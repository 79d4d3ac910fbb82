"""`citywatch retention purge|hold` and `citywatch erase` on a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from retention_seed import (
    OLD,
    RECENT,
    Person,
    add_cameras,
    config,
    open_case,
    save_person_track,
    track_id,
    unit,
)

from citywatch.cli import main
from citywatch.store import open_store


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, dict[str, int]]:
    data_dir = tmp_path / "data"
    settings = config(yard={"sightings": 60})
    config_path = tmp_path / "citywatch.yaml"
    config_path.write_text(yaml.safe_dump(settings.model_dump(mode="json", exclude_unset=True)))
    with open_store(None, data_dir) as store:
        add_cameras(store, settings)
        old = save_person_track(store, "gate", OLD, Person("c" * 32, unit(3)))
        save_person_track(store, "yard", OLD, None)
        save_person_track(store, "gate", RECENT, None)
        store.flush()
        open_case(store)
        ids = {"old_track": track_id(store, "gate", old)}
    return config_path, data_dir, ids


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_purge_dry_run_then_hold_then_purge(
    setup: tuple[Path, Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    config_path, data_dir, ids = setup
    where = ["--config", str(config_path), "--data-dir", str(data_dir)]
    code, out, _ = run(capsys, "retention", "purge", *where, "--dry-run", "--json")
    assert code == 0
    dry = json.loads(out)
    assert dry["dry_run"] is True
    assert dry["deleted"]["sightings"] == 2  # gate's old track; yard keeps 60 days
    assert dry["cameras"]["yard"]["sightings"] == 60

    code, out, _ = run(
        capsys, "retention", "hold", "add", "--case", "2026-0001", "--kind", "track",
        "--id", str(ids["old_track"]), "--reason", "evidence", "--by", "ann", *where,
    )  # fmt: skip
    assert code == 0
    hold_id = json.loads(out)["hold_id"]
    code, out, _ = run(capsys, "retention", "hold", "list", "--case", "2026-0001", *where)
    assert [json.loads(line)["id"] for line in out.splitlines()] == [hold_id]

    code, out, _ = run(capsys, "retention", "purge", *where, "--json")
    report = json.loads(out)
    assert report["deleted"]["sightings"] == 0 and report["held"]["sightings"] == 2

    assert run(capsys, "retention", "hold", "release", str(hold_id), *where)[0] == 0
    code, out, _ = run(capsys, "retention", "purge", *where, "--json")
    assert json.loads(out)["deleted"]["sightings"] == 2
    assert json.loads(out)["deleted"]["identities"] == 1


def test_erase_by_identity_and_errors_are_one_line(
    setup: tuple[Path, Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    config_path, data_dir, _ = setup
    where = ["--config", str(config_path), "--data-dir", str(data_dir)]
    code, out, _ = run(
        capsys, "erase", "--identity", "c" * 32, "--requested-by", "dpo",
        "--legal-basis", "request 5", "--json", *where,
    )  # fmt: skip
    assert code == 0
    report = json.loads(out)
    assert report["counts"]["tracks"] == 1 and report["counts"]["sightings"] == 2
    code, _, err = run(
        capsys, "erase", "--sightings", "1,x", "--requested-by", "dpo", "--legal-basis", "b",
        *where,
    )  # fmt: skip
    assert code == 2 and "--sightings" in err
    code, _, err = run(
        capsys, "erase", "--identity", "c" * 32, "--requested-by", "dpo", "--legal-basis", "b",
        *where,
    )  # fmt: skip
    assert code == 2 and "no identity" in err

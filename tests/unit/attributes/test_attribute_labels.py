"""Our eye-labelled clothing colour table parses and uses only palette names."""

from __future__ import annotations

import csv
from pathlib import Path

from citywatch.attributes.types import PALETTE

TABLE = Path(__file__).resolve().parents[2] / "data/attributes/eye_labels.tsv"


def test_label_table_covers_every_identity_with_palette_colours():
    lines = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    assert {r["dataset"] for r in rows} == {"pets09_s2l1", "tud_campus"}
    assert sorted(int(r["track_id"]) for r in rows if r["dataset"] == "pets09_s2l1") == list(
        range(1, 20)
    )
    assert sorted(int(r["track_id"]) for r in rows if r["dataset"] == "tud_campus") == list(
        range(1, 9)
    )
    for row in rows:
        names = [
            row["upper"],
            row["lower"],
            *row["upper_also"].split(";"),
            *row["lower_also"].split(";"),
        ]
        assert all(n in PALETTE for n in names if n), row
    header = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line[:1] == "#"]
    assert "by eye" in " ".join(header).lower()

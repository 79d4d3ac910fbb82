"""`citywatch eval reid`: the evaluation through the command line, and its usage errors."""

from __future__ import annotations

import json

from citywatch.cli import main


def test_json_report_for_the_colour_descriptor(capsys, data_dir):
    code = main(["eval", "reid", "--data", str(data_dir), "--models", "colour-stripes", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    report = json.loads(out)
    assert report["sequences"]["pets09_s2l1"]["identities"] == 10  # 19 ground-truth ids
    result = report["models"]["colour-stripes"]
    assert set(result["crop"]) == {"pets09_s2l1", "tud_campus"}
    assert result["crop"]["pets09_s2l1"]["rank1"] >= 0.9  # measured 0.944
    assert {"rank1", "rank5", "mean_ap", "queries"} <= set(result["track"]["pets09_s2l1"])
    assert result["threshold"]["default_threshold"] == 0.10


def test_unknown_models_and_missing_data_are_usage_errors(capsys, data_dir, tmp_path):
    assert main(["eval", "reid", "--data", str(data_dir), "--models", "resnet"]) == 2
    assert "--models" in capsys.readouterr().err
    assert main(["eval", "reid", "--data", str(tmp_path)]) == 2
    assert str(tmp_path) in capsys.readouterr().err

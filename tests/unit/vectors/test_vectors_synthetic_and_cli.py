"""The synthetic generator the tests and benchmarks share, and `citywatch bench search`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from citywatch.cli.bench import app
from citywatch.core.errors import UsageError
from citywatch.vectors.synthetic import ClusteredSpec, clustered, noisy_queries

CONTRACT = {"n", "dim", "index", "build_s", "memory_mb", "p50_ms", "p95_ms", "recall_at_1"}


def test_clustered_vectors_are_unit_deterministic_and_grouped():
    first = clustered(1000, 64)
    np.testing.assert_array_equal(first, clustered(1000, 64))
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    same_identity = np.einsum("ij,ij->i", first[0:995:5], first[1:996:5])
    strangers = np.einsum("ij,ij->i", first[0:500], first[500:1000])
    assert same_identity.mean() > 0.5 > strangers.mean() + 0.3
    queries, rows = noisy_queries(first, 50, ClusteredSpec())
    assert queries.shape == (50, 64) and np.all(np.argmax(queries @ first.T, axis=1) == rows)


@pytest.mark.parametrize(
    ("kind", "extra"), [("exact", []), ("auto", ["--threshold", "1000"]), ("ivf", [])]
)
def test_bench_search_prints_the_contract_json(kind, extra):
    args = ["search", "--n", "3000", "--dim", "32", "--index", kind, "--query-count", "50"]
    done = CliRunner().invoke(app, [*args, *extra, "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert set(result) >= CONTRACT and result["n"] == 3000 and result["index"] == kind
    assert result["recall_at_1"] >= 0.99 and result["p95_ms"] >= result["p50_ms"] > 0
    assert result["data"]["generator"].endswith("clustered")


def test_bench_search_reads_npy_files(tmp_path):
    stored = clustered(500, 16)
    np.save(tmp_path / "v.npy", stored)
    np.save(tmp_path / "q.npy", stored[:20])
    done = CliRunner().invoke(
        app,
        [
            "search",
            "--vectors",
            str(tmp_path / "v.npy"),
            "--queries",
            str(tmp_path / "q.npy"),
            "--index",
            "exact",
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["n"] == 500 and result["dim"] == 16 and result["recall_at_1"] == 1.0


def test_bench_search_usage_errors(tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["search", "--json"])
    assert isinstance(done.exception, UsageError) and "--vectors" in str(done.exception)
    (tmp_path / "bad.npy").write_text("nope")
    done = runner.invoke(app, ["search", "--vectors", str(tmp_path / "bad.npy")])
    assert isinstance(done.exception, UsageError) and "bad.npy" in str(done.exception)
    done = runner.invoke(app, ["search", "--n", "10", "--index", "kd-tree"])
    assert done.exit_code == 2 and "--index" in done.output

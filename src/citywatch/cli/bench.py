"""`citywatch bench ...`: benchmarks that print one JSON object each (DESIGN.md)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer

from citywatch.core.errors import UsageError

log = logging.getLogger("citywatch.cli")

app = typer.Typer(help="Benchmarks; each prints one JSON object.", no_args_is_help=True)

INDEX_KINDS = ("auto", "exact", "ivf", "hnsw")


@app.callback()
def _group() -> None:
    """Benchmarks; each prints one JSON object with --json."""


@app.command("search")
def search(
    vectors: Path | None = typer.Option(
        None, "--vectors", help="stored vectors: .npy, float32 (n, dim), unit rows"
    ),
    queries: Path | None = typer.Option(
        None, "--queries", help=".npy queries (default: noisy copies of stored rows)"
    ),
    n: int | None = typer.Option(None, "--n", help="synthetic: this many stored vectors"),
    dim: int = typer.Option(128, "--dim", help="synthetic: dimension"),
    index: str = typer.Option("auto", "--index", help="auto | exact | ivf | hnsw"),
    k: int = typer.Option(1, "--k", help="neighbours asked per query"),
    query_count: int = typer.Option(1000, "--query-count", help="queries timed (synthetic)"),
    threshold: int | None = typer.Option(
        None, "--threshold", help="auto: size past which it switches to IVF (default 50000)"
    ),
    nprobe: int | None = typer.Option(
        None, "--nprobe", help="IVF lists a query scans (nlist // 32)"
    ),
    nlist: int | None = typer.Option(None, "--nlist", help="IVF lists (default 4*sqrt(n))"),
    seed: int = typer.Option(0, "--seed", help="synthetic: random seed"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Build a vector index and measure single-query latency, memory and recall@1.

    Recall is against exact search over the same vectors.
    """
    from citywatch.vectors import benchmark

    if index not in INDEX_KINDS:
        raise typer.BadParameter(f"must be one of {', '.join(INDEX_KINDS)}", param_hint="--index")
    if (vectors is None) == (n is None):
        raise UsageError("give either --vectors V.npy or --n N (synthetic), not both or neither")
    if k < 1 or query_count < 1 or dim < 1 or (n is not None and n < 1):
        raise UsageError("--k, --query-count, --dim and --n must be positive")
    if vectors is not None:
        stored = benchmark.load_matrix(vectors, "--vectors")
        if queries is not None:
            asked = benchmark.load_matrix(queries, "--queries")
            source: dict[str, object] = {"vectors": str(vectors), "queries": str(queries)}
        else:
            from citywatch.vectors.synthetic import ClusteredSpec, noisy_queries

            asked, _ = noisy_queries(stored, query_count, ClusteredSpec(seed=seed))
            source = {"vectors": str(vectors), "queries": "noisy copies of stored rows"}
    else:
        assert n is not None
        if queries is not None:
            raise UsageError("--queries goes with --vectors, not with --n")
        stored, asked, source = benchmark.synthetic(n, dim, query_count, seed)
    result = benchmark.run_search_benchmark(
        stored, asked, index, k=k, options=_options(index, threshold, nprobe, nlist)
    )
    result["data"] = source
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(
        f"{result['index']} over {result['n']} x {result['dim']}: built in {result['build_s']} s, "
        f"{result['memory_mb']} MB, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"recall@1 {result['recall_at_1']}"
    )


def _options(
    kind: str, threshold: int | None, nprobe: int | None, nlist: int | None
) -> dict[str, object]:
    if kind in ("exact", "hnsw"):
        if nprobe is not None or nlist is not None or threshold is not None:
            raise UsageError(f"--nprobe, --nlist and --threshold do not apply to --index {kind}")
        return {}
    from citywatch.vectors.ivf import IVFOptions

    ivf = IVFOptions(nlist=nlist, nprobe=nprobe)
    if kind == "ivf":
        if threshold is not None:
            raise UsageError("--threshold applies to --index auto only")
        return {"options": ivf}
    return {"ivf": ivf} if threshold is None else {"ivf": ivf, "threshold": threshold}

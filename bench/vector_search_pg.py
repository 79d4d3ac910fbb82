"""Face-vector search in PostgreSQL with pgvector (HNSW) next to the in-process index, on the
same vectors and the same queries, in one run.

Synthetic clustered embeddings (citywatch.vectors.synthetic, as bench/vector_search.py),
queries are noisy copies of stored rows, timed one at a time after a warm-up; recall@1 against
exact search. pgvector: rows bulk-loaded into the table, then the HNSW graph built (m 16,
ef_construction 64), searched over local TCP with each `--ef-search` value (the candidate
list: recall against latency); the in-process index is `auto` (exact below 50k, IVF above).
Needs CITYWATCH_TEST_POSTGRES_URL (a database with the vector extension; scripts/services
makes one) or --url.

usage: python bench/vector_search_pg.py [--n 1000000] [--dim 128] [--queries 300]
                                        [--ef-search 40,64,100,200,400] [--name NAME]
(--name: the results file, bench/results/NAME.json; runs at other sizes keep the 1M one)
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from _common import emit
from citywatch.vectors.benchmark import run_search_benchmark, synthetic, time_and_score
from citywatch.vectors.pgvector import PgVectorIndex


def pgvector_run(
    url: str, stored: np.ndarray, queries: np.ndarray, ef_searches: list[int]
) -> dict[str, object]:
    schema = f"bench_vec_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(
        make_url(url).update_query_dict({"options": f"-csearch_path={schema},public"})
    )
    try:
        n, dim = stored.shape
        index = PgVectorIndex(engine, "bench", dim, defer_graph=True)
        started = time.perf_counter()
        index.add(np.arange(n, dtype=np.int64), stored)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        index.build_graph(maintenance_work_mem="2GB")
        graph_s = time.perf_counter() - started
        sweep = []
        for ef_search in ef_searches:
            index.ef_search = ef_search
            sweep.append({"ef_search": ef_search, **time_and_score(index, stored, queries)})
        return {
            "n": n,
            "dim": dim,
            "index": "pgvector-hnsw",
            "load_s": round(load_s, 1),
            "graph_build_s": round(graph_s, 1),
            "build_s": round(load_s + graph_s, 1),
            "server_mb": round(index.memory_bytes() / 2**20, 1),
            "by_ef_search": sweep,
        }
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--url", default=os.environ.get("CITYWATCH_TEST_POSTGRES_URL"))
    parser.add_argument("--ef-search", default="40,64,100,200,400", help="comma-separated")
    parser.add_argument("--name", default="vector_search_pg", help="results file name")
    args = parser.parse_args()
    if not args.url:
        raise SystemExit("vector_search_pg: give --url or set CITYWATCH_TEST_POSTGRES_URL")
    stored, queries, spec = synthetic(args.n, args.dim, args.queries, seed=7)
    in_process = run_search_benchmark(stored, queries, "auto")
    ef_searches = [int(v) for v in args.ef_search.split(",") if v.strip()]
    in_database = pgvector_run(args.url, stored, queries, ef_searches)
    emit(
        args.name,
        {
            "vectors": spec,
            "in_process": in_process,
            "pgvector": in_database,
            "p50_ratio_pgvector_over_in_process": {
                str(run["ef_search"]): round(run["p50_ms"] / in_process["p50_ms"], 2)
                for run in in_database["by_ef_search"]  # type: ignore[attr-defined]
            },
            "note": "one machine: PostgreSQL and the benchmark share its 2 cores",
        },
    )


if __name__ == "__main__":
    main()

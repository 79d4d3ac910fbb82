"""Vector index speed, memory and recall at 100k, 1M and 10M stored face embeddings.

Each configuration runs `citywatch bench search --n N --dim D --index KIND --json` in its own
process (so memory figures do not leak between runs): synthetic clustered embeddings
(identities seen several times, see citywatch.vectors.synthetic), 1000 queries that are noisy
copies of stored rows, timed one at a time; recall@1 against exact search over the same
vectors. dim 128 is the issue's size; dim 256 (OMZ face-reid-0095) is run at 1M.

usage: python bench/vector_search.py [--quick] [--skip-10m] [--hnsw-1m]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

from _common import emit

# Runs the very command function `citywatch bench search` runs, whether or not the `bench`
# group is wired into the installed CLI yet.
LAUNCH = (
    "import sys; from citywatch.logs import configure_logging; configure_logging(); "
    "from citywatch.cli.bench import app; app(sys.argv[1:], prog_name='citywatch bench')"
)


def run(n: int, dim: int, kind: str) -> dict:
    command = [sys.executable, "-c", LAUNCH, "search", "--n", str(n), "--dim", str(dim)]
    command += ["--index", kind, "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(command[3:])} failed: {done.stderr.strip()[-800:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = round(time.perf_counter() - started, 1)
    print(
        f"{n:>9} x {dim} {kind:6} build {result['build_s']:8.1f} s  "
        f"{result['memory_mb']:8.1f} MB  p50 {result['p50_ms']:7.3f} ms  "
        f"p95 {result['p95_ms']:7.3f} ms  recall@1 {result['recall_at_1']:.4f}",
        file=sys.stderr,
    )
    return result


def machine() -> dict:
    import faiss
    import numpy
    import usearch

    with open("/proc/meminfo", encoding="ascii") as handle:
        total_kb = int(handle.readline().split()[1])
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo", encoding="ascii")  # noqa: SIM115
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(total_kb / 2**20, 1),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "faiss": faiss.__version__,
        "usearch": usearch.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100k only")
    parser.add_argument("--skip-10m", action="store_true")
    parser.add_argument("--hnsw-1m", action="store_true", help="also HNSW at 1M (~5 min build)")
    args = parser.parse_args()
    plan = [(100_000, 128, "exact"), (100_000, 128, "auto"), (100_000, 128, "hnsw")]
    if not args.quick:
        plan += [(1_000_000, 128, "exact"), (1_000_000, 128, "auto")]
        plan += [(1_000_000, 128, "hnsw")] if args.hnsw_1m else []
        plan += [(1_000_000, 256, "auto")]
        plan += [] if args.skip_10m else [(10_000_000, 128, "auto")]
    started = time.perf_counter()
    runs = [run(n, dim, kind) for n, dim, kind in plan]
    table = [
        {key: r[key] for key in ("n", "dim", "index", "build_s", "memory_mb", "p50_ms", "p95_ms")}
        | {"recall_at_1": r["recall_at_1"], "works_as": r["detail"]["working_as"]}
        for r in runs
    ]
    emit(
        "vector_search",
        {
            "machine": machine(),
            "total_s": round(time.perf_counter() - started, 1),
            "target_10m": "p95 < 20 ms, recall@1 >= 0.99",
            "table": table,
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()

"""Helpers the benchmark scripts share: paths, timing whole processes, medians, JSON output."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SHARED = (PROJECT / ".." / "shared").resolve()
DATA = SHARED / "data"
MODELS = SHARED / "models"
RESULTS = PROJECT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent


def require_shared() -> None:
    if not (DATA / "MANIFEST.tsv").is_file() or not (MODELS / "SHA256SUMS").is_file():
        sys.exit(f"bench: ../shared (data and models) not found at {SHARED}")


def timed_run(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall-clock seconds of a whole process, start-up included; fails loudly on error."""
    started = time.perf_counter()
    done = subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(
            f"bench: {' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-500:]}"
        )
    return elapsed


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def emit(name: str, payload: dict, out: Path | None = None) -> None:
    """Print the JSON object and keep a copy under bench/results/ (or in `out`, for a run that
    must not replace the recorded figures, such as a test's small one)."""
    payload = {"benchmark": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **payload}
    text = json.dumps(payload, indent=2, sort_keys=False)
    if out is None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"{name}.json"
    out.write_text(text + "\n", encoding="utf-8")
    print(text)

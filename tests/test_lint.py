"""The package passes ruff and mypy, so style and types are checked in CI like behaviour."""

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_is_clean():
    done = run("ruff", "check", "--no-cache", "src", "tests", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_clean():
    done = run("ruff", "format", "--check", "--no-cache", "src", "tests", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_clean():
    done = run("mypy", "--no-incremental")
    assert done.returncode == 0, done.stdout + done.stderr


def test_test_modules_have_unique_basenames():
    # Test folders are not packages: pytest imports each test module by its file name, so two
    # files of the same name in different folders stop the whole run at collection.
    seen: dict[str, Path] = {}
    clashes = []
    for path in sorted((PROJECT_ROOT / "tests").rglob("test_*.py")):
        if path.name in seen:
            clashes.append(
                f"{seen[path.name].relative_to(PROJECT_ROOT)} and {path.relative_to(PROJECT_ROOT)}"
            )
        seen.setdefault(path.name, path)
    assert clashes == []

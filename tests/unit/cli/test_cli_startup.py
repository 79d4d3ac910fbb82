"""Starting the CLI (for --help, for a typo) must not load the heavy libraries the stages use."""

import subprocess
import sys

HEAVY = [
    "scipy",
    "sqlalchemy",
    "openvino",
    "av",
    "cv2",
    "mediapipe",
    "onnxruntime",
    "trackeval",
    "dlib",
    "faiss",
    "usearch",
    "rapidocr",
    "paho",
    "httpx",
    "shapely",
    "fastapi",
    "starlette",
    "uvicorn",
    "argon2",
]


def test_importing_the_cli_loads_no_model_or_database_library():
    code = f"import sys, citywatch.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_help_lists_the_commands():
    done = subprocess.run(
        [sys.executable, "-m", "citywatch", "--help"], capture_output=True, text=True, check=True
    )
    for command in (
        "track",
        "eval",
        "run",
        "demo",
        "models",
        "faces",
        "watchlist",
        "search",
        "plates",
        "bench",
        "serve",
        "users",
    ):
        assert command in done.stdout


def test_unknown_command_is_a_usage_error():
    done = subprocess.run(
        [sys.executable, "-m", "citywatch", "trak"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "trak" in done.stderr and "Traceback" not in done.stderr

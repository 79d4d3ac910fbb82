"""`citywatch faces compare`: are the faces in two images the same person?

One pair:     citywatch faces compare A B [--json]
A batch:      citywatch faces compare --pairs pairs.tsv --root DIR --out scores.tsv

pairs.tsv: one pair a line, `a<TAB>b[<TAB>anything else]`, paths relative to --root (default:
the pairs file's folder); blank lines, `#` comments and a header line `a<TAB>b...` are skipped.
scores.tsv: a header `a<TAB>b<TAB>distance<TAB>same`, then one row per pair in input order:
the cosine distance between the two images' main faces (the face nearest the centre among the
large ones) and 1/0 for same/different at the threshold.

Batch: a pair that cannot be scored is still written, with distance and same left empty, so
rows line up with the input (a line without two columns is skipped); a one-line warning on
stderr names the file and the reason. "No face found" is an answer, not an error: exit 0. An
image that cannot be read (missing, corrupt, not an image, over 50 megapixels) makes the exit
code 1 once the whole batch has run.

One pair: one line `distance<TAB>verdict`, or with --json one object {a, b, distance, same,
threshold, embedder, faces_a, faces_b}. No face in an image, or an unreadable one, is a
one-line error naming the file, exit 1 (2 for a missing file); with --json the object is
still printed, with distance and same null and the reason in "error".

Usage errors (no --pairs file, both modes at once, an unknown --embedder) exit 2 before any
model loads.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citywatch.cli.common import load_or_default, registry_for
from citywatch.core.errors import CitywatchError, UsageError

if TYPE_CHECKING:
    import numpy as np

    from citywatch.faces.pipeline import FacePipeline

log = logging.getLogger("citywatch.cli")

app = typer.Typer(
    name="faces",
    help="Face verification: compare the faces in two images, or a batch of pairs.",
    no_args_is_help=True,
    add_completion=False,
)

EMBEDDERS = ("auto", "openvino", "dlib")


@dataclass(frozen=True)
class _Face:
    """What one image gave: an embedding, or the reason it gave none."""

    embedding: np.ndarray | None
    faces: int
    problem: str | None  # set when embedding is None
    unreadable: bool  # the image itself could not be used (vs. no face in it)


def _warn(message: str) -> None:
    # Per-row problems go straight to stderr as one line: the log handler wraps long lines
    # when stderr is not a terminal, and a batch's warnings must stay one line each to grep.
    typer.echo(f"citywatch: warning: {message}", err=True)


@app.command("compare")
def compare(
    images: list[Path] | None = typer.Argument(None, help="two images: A B", show_default=False),
    pairs: Path | None = typer.Option(None, "--pairs", help="TSV of pairs: a<TAB>b[<TAB>...]"),
    root: Path | None = typer.Option(
        None, "--root", help="folder the --pairs paths are relative to [default: its folder]"
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="scores TSV [default: stdout]"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object (for A B)"),
    embedder: str = typer.Option("auto", "--embedder", help="auto, openvino or dlib"),
    model_dir: Path | None = typer.Option(None, "--model-dir", help="model directory"),
    threshold: float | None = typer.Option(
        None, "--threshold", help="same person at cosine distance <= this [default: model's]"
    ),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML with a faces section"),
) -> None:
    """Compare faces: `A B` for one pair, or `--pairs pairs.tsv --out scores.tsv` for many."""
    given = list(images or [])
    if pairs is not None and given:
        raise UsageError("give either two images or --pairs, not both")
    if pairs is None and len(given) != 2:
        raise UsageError("give two images to compare (A B), or --pairs pairs.tsv")
    if embedder not in EMBEDDERS:
        raise UsageError(f"--embedder: unknown {embedder!r} (choose from {', '.join(EMBEDDERS)})")
    if threshold is not None and not 0 < threshold <= 2:
        raise UsageError(f"--threshold: {threshold} is not a cosine distance in (0, 2]")
    if pairs is not None:
        rows = _read_pairs(pairs, root)
        if out is not None:
            _check_out(out)
        pipeline = _pipeline(config, model_dir, embedder, threshold)
        failed = _compare_batch(pipeline, rows, out)
        if failed:
            raise CitywatchError(
                f"{failed} of {len(rows)} pairs not scored because an image could not be read"
            )
        return
    # Read both images before loading any model: a bad file fails at once.
    pictures = [_load_or_report(path, given, as_json) for path in given]
    pipeline = _pipeline(config, model_dir, embedder, threshold)
    _compare_one(pipeline, given[0], given[1], pictures, as_json)


def _pipeline(
    config: Path | None, model_dir: Path | None, embedder: str, threshold: float | None
) -> FacePipeline:
    from citywatch.config.faces import FacesConfig
    from citywatch.faces.factory import create_face_pipeline

    settings = load_or_default(config)
    # The faces section joins the configuration file once it is wired in; until then the
    # defaults apply, with the command-line choices on top.
    faces = getattr(settings, "faces", None) or FacesConfig()
    if embedder != "auto":
        faces = faces.model_copy(update={"embedder": embedder})
    return create_face_pipeline(faces, registry_for(settings, model_dir), threshold=threshold)


def _embed(pipeline: FacePipeline, path: Path) -> _Face:
    from citywatch.core.images import ImageError, load_image

    try:
        image = load_image(path)
    except ImageError as error:
        return _Face(None, 0, str(error), unreadable=True)
    face, count = pipeline.main_face(image)
    if face is None or face.embedding is None:
        return _Face(None, 0, f"{path}: no face found", unreadable=False)
    return _Face(face.embedding, count, None, unreadable=False)


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    from citywatch.faces.base import cosine_distance

    return float(cosine_distance(a, b)[0, 0])


def _load_or_report(path: Path, pair: list[Path], as_json: bool) -> np.ndarray:
    from citywatch.core.images import ImageError, load_image

    try:
        return load_image(path)
    except ImageError as error:
        _print_json_error(as_json, pair[0], pair[1], None, str(error))
        raise


def _compare_one(
    pipeline: FacePipeline, a: Path, b: Path, images: list[np.ndarray], as_json: bool
) -> None:
    found = []
    for path, image in zip((a, b), images, strict=True):
        face, count = pipeline.main_face(image)
        if face is None or face.embedding is None:
            message = f"{path}: no face found"
            _print_json_error(as_json, a, b, pipeline, message)
            raise CitywatchError(message)
        found.append((face.embedding, count))
    distance = _distance(found[0][0], found[1][0])
    same = distance <= pipeline.threshold
    if as_json:
        result = {
            "a": str(a),
            "b": str(b),
            "distance": round(distance, 6),
            "same": same,
            "threshold": pipeline.threshold,
            "embedder": pipeline.embedder.name,
            "faces_a": found[0][1],
            "faces_b": found[1][1],
        }
        typer.echo(json.dumps(result))
        return
    verdict = "same person" if same else "different people"
    typer.echo(
        f"{distance:.4f}\t{verdict} (threshold {pipeline.threshold:g}, {pipeline.embedder.name})"
    )


def _print_json_error(
    as_json: bool, a: Path, b: Path, pipeline: FacePipeline | None, error: str
) -> None:
    """With --json, stdout still gets one object (distance null) before the error line."""
    if as_json:
        result = {
            "a": str(a),
            "b": str(b),
            "distance": None,
            "same": None,
            "threshold": None if pipeline is None else pipeline.threshold,
            "embedder": None if pipeline is None else pipeline.embedder.name,
            "error": error,
        }
        typer.echo(json.dumps(result))


def _read_pairs(pairs: Path, root: Path | None) -> list[tuple[str, str, Path, Path] | str]:
    """(a, b as written, a, b as paths) per pair line, or a problem text for a bad line."""
    if not pairs.is_file():
        raise UsageError(f"{pairs}: pairs file not found")
    base = root if root is not None else pairs.parent
    if not base.is_dir():
        raise UsageError(f"{base}: --root folder not found")
    try:
        lines = pairs.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{pairs}: cannot read the pairs file ({error})") from None
    rows: list[tuple[str, str, Path, Path] | str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            rows.append(f"{pairs}:{number}: expected a<TAB>b, got {line[:60]!r}")
            continue
        a, b = fields[0].strip(), fields[1].strip()
        if not rows and a.lower() == "a" and b.lower() == "b":
            continue  # header
        rows.append((a, b, base / a, base / b))
    if not rows:
        raise UsageError(f"{pairs}: no pairs in the file")
    return rows


def _check_out(out: Path) -> None:
    if out.exists() and out.is_dir():
        raise UsageError(f"{out}: is a directory, --out needs a file path")
    if not out.parent.exists():
        raise UsageError(f"{out.parent}: folder for --out does not exist")


def _compare_batch(
    pipeline: FacePipeline, rows: list[tuple[str, str, Path, Path] | str], out: Path | None
) -> int:
    """Score every row, write the TSV, return how many rows an unreadable image spoilt."""
    seen: dict[Path, _Face] = {}  # each image once, however many pairs name it
    failed = 0
    lines = ["a\tb\tdistance\tsame"]
    for row in rows:
        if isinstance(row, str):
            _warn(f"{row}; line skipped")
            failed += 1
            continue
        a, b, path_a, path_b = row
        faces = []
        for path in (path_a, path_b):
            if path not in seen:
                seen[path] = _embed(pipeline, path)
                if seen[path].problem:
                    _warn(seen[path].problem or "")
            faces.append(seen[path])
        first, second = faces
        if first.embedding is None or second.embedding is None:
            failed += first.unreadable or second.unreadable
            lines.append(f"{a}\t{b}\t\t")
            continue
        distance = _distance(first.embedding, second.embedding)
        lines.append(f"{a}\t{b}\t{distance:.6f}\t{int(distance <= pipeline.threshold)}")
    text = "\n".join(lines) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        partial = out.with_name(out.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(out)  # a reader never sees a half-written file
        scored = sum(1 for line in lines[1:] if not line.endswith("\t\t"))
        log.info("%d of %d pairs scored -> %s", scored, len(lines) - 1, out)
    return failed

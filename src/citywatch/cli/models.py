"""`citywatch models list|verify|pull`.

stdout carries only the listing (plain columns, or one JSON object a line with --json) so it
can be piped; progress and diagnostics go to stderr through logging and Rich.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from citywatch.core.errors import ModelError, UsageError
from citywatch.models import MODEL_DIR_ENV, DownloadProgress, ModelRegistry, ModelSpec
from citywatch.models.download import DEFAULT_TIMEOUT_S

log = logging.getLogger(__name__)

app = typer.Typer(help="List, verify and fetch model files.", no_args_is_help=True)

ModelDirOption = Annotated[
    Path | None,
    typer.Option(
        "--model-dir",
        help=f"model directory (omz/<name>/<precision>/...); overrides {MODEL_DIR_ENV}",
        show_default=False,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="configuration file to take model_dir from", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="one JSON object per line")]


@app.command("list")
def list_models(
    json_output: JsonOption = False,
    model_dir: ModelDirOption = None,
    config: ConfigOption = None,
) -> None:
    """List every known model: kind, precisions (* = default), present or absent, where."""
    registry = _registry(model_dir, config)
    if registry.model_dir is not None and not registry.model_dir.is_dir():
        log.warning("model directory %s does not exist", registry.model_dir)
    rows = [_describe(registry, spec) for spec in registry.specs]
    if json_output:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = [["NAME", "KIND", "PRECISIONS", "STATUS", "WHERE"]]
    table += [
        [r["name"], r["kind"], _precision_cell(r), r["status"], r["path"] or r["hint"]]
        for r in rows
    ]
    _echo_columns(table)


@app.command("verify")
def verify(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="models to check (default: all); named models must be present"),
    ] = None,
    json_output: JsonOption = False,
    model_dir: ModelDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Check the sha256 of present model files. Exit 1 naming the first bad or missing file."""
    registry = _registry(model_dir, config)
    if registry.model_dir is None:
        log.warning("no model directory set; only package-shipped models can be found")
    elif not registry.model_dir.is_dir():
        raise UsageError(f"model directory {registry.model_dir} does not exist")
    results = registry.verify(names or None)
    for result in results:
        if json_output:
            typer.echo(
                json.dumps(
                    {
                        "model": result.model,
                        "precision": result.precision,
                        "path": str(result.path) if result.path else None,
                        "status": result.status,
                        "expected": result.expected,
                        "actual": result.actual,
                        "failed": result.failed,
                    }
                )
            )
        else:
            typer.echo(
                f"{result.status:<9} {result.model} {result.precision or '-'} {result.path or '-'}"
            )
    failures = [r for r in results if r.failed]
    if failures:
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise ModelError(failures[0].problem() + more)
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "absent", "unchecked")}
    log.info("%(ok)d files ok, %(absent)d absent, %(unchecked)d without a recorded hash", counts)


@app.command("pull")
def pull(
    names: Annotated[
        list[str] | None, typer.Argument(help="models to fetch (see `citywatch models list`)")
    ] = None,
    all_models: Annotated[
        bool, typer.Option("--all", help="every model kept in a model directory")
    ] = False,
    model_dir: ModelDirOption = None,
    config: ConfigOption = None,
    mirror: Annotated[
        str | None,
        typer.Option(
            "--mirror",
            help="URL or folder laid out as <mirror>/omz/<name>/<precision>/<file>",
            show_default=False,
        ),
    ] = None,
    precision: Annotated[
        str | None,
        typer.Option(
            "--precision",
            help="e.g. FP16, or 'all' (default: each model's default)",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1.0, help="seconds without data before giving up")
    ] = DEFAULT_TIMEOUT_S,
) -> None:
    """Download models into the model directory, checking each file's sha256."""
    registry = _registry(model_dir, config)
    wanted = list(names or [])
    if all_models:
        wanted = [s.name for s in registry.specs if s.source == "omz"] + wanted
    if registry.model_dir is None:
        raise UsageError(
            f"no model directory to pull into: pass --model-dir DIR, set {MODEL_DIR_ENV}, "
            "or pass --config with model_dir set"
        )
    with _progress_bar() as progress:
        results = registry.pull(
            wanted, mirror=mirror, precision=precision, progress=progress, timeout=timeout
        )
    fetched = sum(r.action == "downloaded" for r in results)
    log.info(
        "%d files downloaded, %d already present, in %s",
        fetched,
        len(results) - fetched,
        registry.omz_root,
    )


def _registry(model_dir: Path | None, config: Path | None) -> ModelRegistry:
    """--model-dir wins; otherwise CITYWATCH_MODEL_DIR, then the config file's model_dir."""
    if model_dir is not None:
        return ModelRegistry(model_dir, origin="--model-dir")
    configured = None
    if config is not None:
        # Imported here: pydantic and YAML are not needed when no config file is given.
        from citywatch.config import load_config

        configured = load_config(config).model_dir
    return ModelRegistry.from_settings(configured)


def _describe(registry: ModelRegistry, spec: ModelSpec) -> dict[str, Any]:
    """One model as a flat record, the same for the table and for --json."""
    row: dict[str, Any] = {
        "name": spec.name,
        "kind": spec.kind,
        "source": spec.source,
        "precisions": list(spec.precisions),
        "default_precision": spec.default_precision or (spec.precisions or [None])[0],
        "present_precisions": [],
        "status": "absent",
        "path": None,
        "hint": "",
        "summary": spec.summary,
    }
    if spec.source == "package":
        assert spec.package is not None
        found = registry.find(spec.name)
        row["status"] = "present" if found else "absent"
        row["path"] = str(found.path) if found else None
        row["hint"] = f"pip install {spec.package.distribution}"
        return row
    root = registry.omz_root
    present = registry.present_precisions(spec.name)
    row["present_precisions"] = list(present)
    if present:
        row["status"] = "present"
    elif root is not None and any(
        path is not None and path.exists()
        for variant in spec.variants
        for file in variant.files
        if (path := registry.file_path(spec, variant, file)) is not None
    ):
        row["status"] = "partial"
    if root is not None:
        chosen = present[0] if present else row["default_precision"]
        row["path"] = str(root / spec.name / chosen)
    row["hint"] = f"citywatch models pull {spec.name}"
    return row


def _precision_cell(row: dict[str, Any]) -> str:
    if not row["precisions"]:
        return "-"
    return ",".join(p + ("*" if p == row["default_precision"] else "") for p in row["precisions"])


def _echo_columns(table: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        typer.echo("  ".join([*cells, row[-1]]).rstrip())


class _RichDownloadProgress:
    """Adapts a Rich progress bar to the registry's DownloadProgress hooks."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar
        self._task: Any = None

    def start(self, label: str, total: int | None) -> None:
        self._task = self._bar.add_task(label, total=total)

    def advance(self, nbytes: int) -> None:
        self._bar.advance(self._task, nbytes)

    def finish(self) -> None:
        # One line per finished file would scroll 40 lines for `pull --all`; the log says it.
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._task = None


@contextlib.contextmanager
def _progress_bar() -> Iterator[DownloadProgress | None]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:
        # Piped or in CI: a bar would only add noise; the per-file log lines say enough.
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        yield _RichDownloadProgress(bar)

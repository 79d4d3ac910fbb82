"""`citywatch plates read`: the licence plates in images.

    citywatch plates read IMAGE... [--json] [--model-dir DIR] [--config FILE]

One line per image, in the order given. With --json, one JSON object a line (DESIGN.md):
`{"image": "car.jpg", "plates": [{"text": "AB12CDE", "box": [x, y, w, h], "confidence": 0.93}]}`,
plates most confident first; text upper case, without spaces or dashes; box in image pixels.
Without --json: `IMAGE<TAB>TEXT (confidence) TEXT (confidence)...`, or `IMAGE<TAB>-` when no
plate was read. An image with no plate is an answer, not an error.

An image that cannot be read (missing, corrupt, not an image, too large) gives a one-line
error on stderr naming the file, nothing on stdout, and the rest of the batch still runs; the
exit code is then 1 once the batch is done. Models load once, at the first image that decodes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citywatch.cli import plates_store
from citywatch.cli.common import load_or_default, registry_for
from citywatch.core.errors import CitywatchError, UsageError

if TYPE_CHECKING:
    from citywatch.plates.reader import PlateReader

log = logging.getLogger("citywatch.cli")

app = typer.Typer(
    name="plates",
    help="Licence plates: read the plates in images; search stored plates; the hotlist.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("search")(plates_store.search)
app.add_typer(plates_store.hotlist_app, name="hotlist")


def _error(message: str) -> None:
    # One line each, straight to stderr (the log handler wraps long lines off a terminal).
    typer.echo(f"citywatch: error: {message}", err=True)


@app.command("read")
def read(
    images: list[Path] = typer.Argument(..., help="image files", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="one JSON object a line"),
    model_dir: Path | None = typer.Option(None, "--model-dir", help="model directory"),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML with a plates section"),
) -> None:
    """Read the licence plates in each image."""
    from citywatch.core.images import ImageError, load_image

    if not images:
        raise UsageError("give at least one image")
    reader: PlateReader | None = None
    failed = 0
    for path in images:
        try:
            image = load_image(path)
        except ImageError as error:
            _error(str(error))
            failed += 1
            continue
        if reader is None:  # after the first good image: a batch of bad files loads nothing
            reader = _reader(config, model_dir)
        plates = reader.read(image)
        if as_json:
            typer.echo(json.dumps({"image": str(path), "plates": [p.to_json() for p in plates]}))
        else:
            shown = " ".join(f"{p.text} ({p.confidence:.2f})" for p in plates) or "-"
            typer.echo(f"{path}\t{shown}")
    if failed:
        raise CitywatchError(f"{failed} of {len(images)} images could not be read")


def _reader(config: Path | None, model_dir: Path | None) -> PlateReader:
    from citywatch.config.plates import PlatesConfig
    from citywatch.plates.reader import create_plate_reader

    settings = load_or_default(config)
    # The plates section joins the configuration file once the pipeline wires it in; until
    # then the defaults apply.
    plates = getattr(settings, "plates", None) or PlatesConfig()
    return create_plate_reader(plates, registry_for(settings, model_dir))

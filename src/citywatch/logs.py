"""Logging set-up for the command line: on stderr, so stdout stays clean for results (JSON).

On a terminal Rich formats the lines; otherwise (CI, pipes, files) each record is one plain
line, never wrapped, so a warning or error stays greppable as one line.
"""

from __future__ import annotations

import logging
import sys

from rich.console import Console
from rich.logging import RichHandler


def configure_logging(level: int = logging.INFO) -> None:
    handler: logging.Handler
    if sys.stderr.isatty():
        handler = RichHandler(
            console=Console(stderr=True), show_path=False, rich_tracebacks=False, markup=False
        )
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("citywatch").setLevel(level)

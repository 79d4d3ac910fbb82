"""`citywatch eval mot`."""

import typer

app = typer.Typer(help="Evaluate results against ground truth.", no_args_is_help=True)

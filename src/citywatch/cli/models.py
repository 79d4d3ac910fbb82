"""`citywatch models list|verify|pull`."""

import typer

app = typer.Typer(help="List, verify and fetch model files.", no_args_is_help=True)

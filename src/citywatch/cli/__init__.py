"""The `citywatch` command. One module per command group; this one wires them and owns errors.

Every command raises `CitywatchError` for problems a person must fix; `main` prints it as one
line on stderr and exits with its code (2 usage/config, 1 runtime). Tracebacks are only shown
with `--debug`.
"""

from __future__ import annotations

import logging
import sys

import typer

from citywatch.cli import (
    audit,
    bench,
    cases,
    demo,
    eval,
    faces,
    models,
    plan,
    plates,
    retention,
    review,
    search,
    serve,
    track,
    users,
    watchlist,
)
from citywatch.core.errors import CitywatchError
from citywatch.logs import configure_logging

app = typer.Typer(
    name="citywatch",
    help="Open, self-hosted, accountable video analytics for camera networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(models.app, name="models")
app.add_typer(eval.app, name="eval")
app.add_typer(faces.app, name="faces")
app.add_typer(plates.app, name="plates")
app.add_typer(watchlist.app, name="watchlist")
app.add_typer(search.app, name="search")
app.add_typer(bench.app, name="bench")
app.add_typer(users.app, name="users")
app.add_typer(retention.app, name="retention")
app.add_typer(cases.app, name="cases")
app.add_typer(audit.app, name="audit")
app.add_typer(review.app, name="review")
app.command("track")(track.track)
app.command("demo")(demo.demo)
app.command("run")(demo.run)
app.command("serve")(serve.serve)
app.command("erase")(retention.erase)
app.command("plan")(plan.plan)

_debug = False


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="log more detail"),
    debug: bool = typer.Option(False, "--debug", help="show tracebacks for errors"),
) -> None:
    global _debug
    _debug = debug
    configure_logging(logging.DEBUG if verbose or debug else logging.INFO)


def main(argv: list[str] | None = None) -> int:
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="citywatch", standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.TyperException as error:
        # Typer's usage errors (unknown command, bad option) print usage and the reason; no
        # traceback. Typer vendors click, so these are not click's own exception classes.
        show = getattr(error, "show", None)
        if callable(show):
            show()
        else:
            print(f"citywatch: error: {error.format_message()}", file=sys.stderr)
        return int(error.exit_code)
    except typer.Abort:
        print("citywatch: interrupted", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("citywatch: interrupted", file=sys.stderr)
        return 130
    except CitywatchError as error:
        if _debug:
            logging.getLogger("citywatch").exception("failed")
        print(f"citywatch: error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`qa`: offline quality assurance for recorded phone calls.

This module only builds the command tree from the groups in ``qa/cli/`` and holds the one boundary:
a library error (``QAError``) becomes one line on stderr and exit code 1; Ctrl-C stops with 130; any other
error becomes one line naming the log file ($QA_HOME/logs) that holds its traceback, and exit code 1.
Commands parse options, call one library function and render what it returns.
"""

from __future__ import annotations

import logging
import os
import sys

import typer
from rich.markup import escape
from typer.core import TyperGroup
from typer.exceptions import TyperException

from qa.cli import calibrate, calls, evaluate, jobs, lifecycle, playlist, review, rubric, scorecard, shopper, web
from qa.cli.common import err, report_unexpected
from qa.core.errors import QAError


class QAGroup(TyperGroup):
    """The root command group: every command and sub-command runs inside its ``invoke``."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QAError as exc:
            err.print(f"[red]Error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from exc
        except KeyboardInterrupt:
            err.print("[red]Interrupted.[/] Finished calls are stored; run the same command again to resume.")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except BrokenPipeError:  # `qa calls | head`: the reader left; say nothing more
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from None
        except Exception as exc:  # noqa: BLE001 - the one place nothing unplanned reaches the user as a traceback
            err.print(report_unexpected(exc), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=QAGroup,
    help="Offline QA for recorded phone calls: transcribe with who-said-what, score every call against a rubric "
    "with evidence, then operator scorecards, review sessions, disputes, calibration and learned criteria.\n\n"
    "Data lives in $QA_HOME (default ~/.local/share/callqa); set QA_DB_URL for PostgreSQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(calls.app)  # process, import-transcript, calls [set], show, export, score, operators, models
app.add_typer(evaluate.app)  # eval, learn, learned
app.add_typer(scorecard.app)  # scorecard
app.add_typer(rubric.app, name="rubric")
app.add_typer(review.app, name="review")
app.add_typer(calibrate.app, name="calibrate")
app.add_typer(web.app)  # serve, users
app.add_typer(playlist.app, name="playlist")
app.add_typer(shopper.app, name="shopper")
app.add_typer(lifecycle.app)  # erase, retention
app.add_typer(jobs.app, name="jobs")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()

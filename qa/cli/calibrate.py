"""``qa calibrate``: blind calibration rounds between reviewers and the machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qa.cli import common
from qa.cli.common import JsonOpt, RubricOpt, emit, out

app = typer.Typer(
    help="Calibration: reviewers score the same calls blind; agreement (percent, Cohen's kappa) between "
    "reviewers and with the machine, per criterion.",
    no_args_is_help=True,
)

RoundArg = Annotated[str, typer.Argument(metavar="ROUND", help="Calibration round name.")]


@app.command("add")
def calibrate_add(
    round_name: Annotated[str, typer.Argument(metavar="ROUND", help="Calibration round name (created on first use).")],
    sheet: Annotated[Path, typer.Argument(help="CSV: call,criterion,verdict — or call plus one column per criterion.")],
    reviewer: Annotated[str, typer.Option(help="Whose verdicts these are.")],
    rubric: RubricOpt = None,
) -> None:
    """Add one reviewer's blind verdicts to a calibration round."""
    from qa.review.calibration import add_sheet

    settings = common.settings()
    rules = common.rubric(settings, rubric)
    n = add_sheet(common.engine(settings), round_name=round_name, reviewer=reviewer, rubric_id=rules.id, path=sheet,
                  criteria=[c.id for c in rules.criteria])
    out.print(f"{n} verdict(s) of {reviewer} added to {round_name}", highlight=False, markup=False)


@app.command("report")
def calibrate_report(
    round_name: RoundArg,
    worst: Annotated[int, typer.Option(min=0, help="How many most-disputed calls to list.")] = 10,
    rubric: RubricOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Agreement per criterion between reviewers and between each reviewer and the machine."""
    from qa.cli.render import calibration_view
    from qa.reports.serialize import calibration_report_dict
    from qa.review.calibration import build_report

    settings = common.settings()
    report = build_report(common.engine(settings), round_name=round_name, rubric_id=common.rubric(settings, rubric).id, worst=worst)
    emit(as_json, report, calibration_report_dict, calibration_view)


@app.command("list")
def calibrate_list(as_json: JsonOpt = False) -> None:
    """List calibration rounds: reviewers, calls and verdicts in each."""
    from qa.cli.render import rounds_table
    from qa.reports.serialize import calibration_round_dict
    from qa.review.calibration import list_rounds

    emit(as_json, list_rounds(common.engine()), calibration_round_dict, rounds_table)

"""``qa scorecard``: operator scorecards per period as a table, CSV, JSON or an HTML page."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from qa.cli import common
from qa.cli.common import OutputOpt, RubricOpt, ScorecardFormatOpt, err

app = typer.Typer()

OperatorOpt = Annotated[Optional[str], typer.Option(help="One operator's scorecard, ranked within their team.")]
TeamOpt = Annotated[Optional[str], typer.Option(help="Every operator of this team (default: everyone).")]
PeriodOpt = Annotated[Optional[str], typer.Option(help="2026-11, 2026-W47, 2026-Q4, 2026-11-20, 2026, day|week|month|quarter (current), or all (default: month).")]
FromOpt = Annotated[Optional[str], typer.Option("--from", help="Custom range: first day (YYYY-MM-DD).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", help="Custom range: last day, inclusive.")]
FormatOpt = Annotated[ScorecardFormatOpt, typer.Option("--format", help="table, csv, json or html (charts; opens without a server).")]

NO_CALLS = ("[yellow]No scored calls with an operator and a start time in {period}.[/] Try --period all, or check "
            "`qa calls` (operators and times come from the metadata; `qa calls set` adds them).")


@app.command()
def scorecard(
    operator: OperatorOpt = None, team: TeamOpt = None, period: PeriodOpt = None, date_from: FromOpt = None,
    date_to: ToOpt = None, fmt: FormatOpt = ScorecardFormatOpt.table, output: OutputOpt = None, rubric: RubricOpt = None,
) -> None:
    """Operator scorecards for a period, with trends and ranks in the team.

    Calls, score, critical fails, conversion, NPS, rating, handle time, talk/listen, latency and pass rate per
    criterion, against the previous period, ranked in the team; people's verdicts count over the machine's.
    --rubric ID@VERSION reports the scorecards a stored rubric version produced (default: each call's newest).
    Examples: qa scorecard --period 2026-11 · qa scorecard --team north --format html -o north.html ·
    qa scorecard --rubric order_desk@2 --period all"""
    from qa.cli.render import scorecard_tables
    from qa.reports.exports import render_report
    from qa.review.periods import parse_period
    from qa.review.scorecards import build_report

    first, last = common.parse_day(date_from, "--from"), common.parse_day(date_to, "--to")
    chosen, settings = parse_period(period, start=first, end=last), common.settings()
    engine = common.engine(settings)
    rubric_id, version = common.rubric_version(settings, rubric, engine)
    report = build_report(engine, rubric_id=rubric_id, period=chosen, operator_id=operator, team=team, rubric_version=version)
    if not report.team.calls:
        err.print(NO_CALLS.format(period=chosen.label), highlight=False)
    if fmt != ScorecardFormatOpt.table or output:
        common.write(render_report(report, fmt.value), output)
    elif report.team.calls:
        common.show(scorecard_tables(report))

"""``qa shopper``: mystery-shopper scenarios, campaigns, assignments, entries and the campaign report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from qa.cli import common
from qa.cli.common import ActorOpt, AsOpt, JsonOpt, OutputOpt, emit

app = typer.Typer(
    help="Mystery-shopper campaigns: scenarios (YAML in rubrics/mystery_shopper/), campaigns with planned "
    "assignments, shoppers' entries (the test call's recording + the checklist answers) scored by the rubric AND "
    "by the scenario's checks, and reports per operator/team/scenario/area with shopper-machine agreement.",
    no_args_is_help=True,
)
scenario_app = typer.Typer(help="Scenarios: validate, list, show.", no_args_is_help=True)
campaign_app = typer.Typer(help="Campaigns: create (with planned assignments), list, show.", no_args_is_help=True)
entry_app = typer.Typer(help="Entries: a shopper's recording and answers for an assignment.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
app.add_typer(campaign_app, name="campaign")
app.add_typer(entry_app, name="entry")

AssignmentArg = Annotated[int, typer.Argument(help="Assignment id (from `qa shopper campaign show`).")]
CampaignArg = Annotated[str, typer.Argument(help="Campaign id or name (from `qa shopper campaign list`).")]


def _campaign_ref(ref: str) -> int | str:
    return int(ref) if ref.isdigit() else ref


# ---------------------------------------------------------------- scenarios


@scenario_app.command("validate")
def scenario_validate(files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")]) -> None:
    """Check scenario files; an error says file:line and what to fix. Exit 1 when any is invalid."""
    from mystery_shopper.scenario import load_scenario
    from qa.core.errors import QAError

    bad = 0
    for path in files:
        try:
            s = load_scenario(path)
        except QAError as exc:
            bad += 1
            common.err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
            continue
        common.out.print(f"{path}: ok — {s.id} v{s.version}, {len(s.checklist)} checklist items", highlight=False,
                         markup=False)
    if bad:
        raise typer.Exit(1)


@scenario_app.command("list")
def scenario_list(as_json: JsonOpt = False) -> None:
    """The scenarios in rubrics/mystery_shopper/."""
    from mystery_shopper.scenario import list_scenarios
    from qa.cli.render import scenarios_table
    from qa.reports.shopper import scenario_dict

    emit(as_json, list_scenarios(), scenario_dict, scenarios_table)


@scenario_app.command("show")
def scenario_show(scenario: Annotated[str, typer.Argument(help="Scenario id or YAML file.")], as_json: JsonOpt = False) -> None:
    """A scenario: persona, goal, the script, expected facts, traps and the weighted checklist."""
    from mystery_shopper.scenario import find_scenario
    from qa.cli.render import scenario_view
    from qa.reports.shopper import scenario_dict

    emit(as_json, find_scenario(scenario), scenario_dict, scenario_view)


# ---------------------------------------------------------------- campaigns


@campaign_app.command("create")
def campaign_create(
    name: Annotated[str, typer.Argument(help="A unique name, e.g. 2026-12-wave1.")],
    scenario: Annotated[list[str], typer.Option("--scenario", help="Scenario id (repeat for more).")],
    operator: Annotated[list[str], typer.Option("--operator", help="Target operator id (repeat for more).")],
    date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    calls_per_operator: Annotated[int, typer.Option(help="Test calls per operator.")] = 1,
    deadline_h: Annotated[int, typer.Option(help="Hours after the call by which the entry is due.")] = 48,
    staff_informed: Annotated[bool, typer.Option("--staff-informed/--staff-not-informed", help="Were operators told? If not, reports show teams only and are not for disciplinary use.")] = False,
    series: Annotated[Optional[str], typer.Option(help="The series this wave belongs to (reports trend across its waves); default: the name.")] = None,
    title: Annotated[Optional[str], typer.Option(help="A readable title.")] = None,
    rubric: common.RubricOpt = None,
    by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Create a campaign and plan its assignments (operators × calls, scenarios in rotation).

    Example: qa shopper campaign create dec-w1 --scenario ru_vacuum_order --operator op-anna --operator op-boris
    --from 2026-12-01 --to 2026-12-14 --by olga
    """
    from mystery_shopper.workflow import create_campaign

    settings = common.settings()
    engine = common.engine(settings)
    actor = common.actor(engine, by, as_, "campaigns.manage")
    starts, ends = common.parse_day(date_from, "--from"), common.parse_day(date_to, "--to")
    campaign = create_campaign(engine, name=name, scenarios=scenario, operators=operator, starts_on=starts,
                               ends_on=ends, actor=actor, title=title, series=series,
                               calls_per_operator=calls_per_operator, deadline_h=deadline_h,
                               staff_informed=staff_informed, rubric_id=common.rubric(settings, rubric).id)
    _show_campaign(engine, campaign, as_json)


def _show_campaign(engine, campaign, as_json: bool) -> None:
    from qa.cli.render import campaign_view
    from qa.db.campaigns import assignments, entries
    from qa.reports.shopper import campaign_dict

    rows = assignments(engine, campaign_id=campaign.campaign_id)
    handed_in = entries(engine, campaign_ids=[campaign.campaign_id])
    emit(as_json, campaign, lambda c: campaign_dict(c, rows, handed_in), lambda c: campaign_view(c, rows, handed_in))


@campaign_app.command("list")
def campaign_list(as_json: JsonOpt = False) -> None:
    """Campaigns, newest first."""
    from qa.cli.render import campaigns_table
    from qa.db.campaigns import list_campaigns
    from qa.reports.serialize import record_dict

    emit(as_json, list_campaigns(common.engine()), record_dict, campaigns_table)


@campaign_app.command("show")
def campaign_show(campaign: CampaignArg, as_json: JsonOpt = False) -> None:
    """A campaign with its assignments (status, shopper) and entries."""
    from qa.db.campaigns import load_campaign

    engine = common.engine()
    _show_campaign(engine, load_campaign(engine, ref=_campaign_ref(campaign)), as_json)


# ---------------------------------------------------------------- assignments


@app.command()
def assign(
    assignment: AssignmentArg,
    shopper: Annotated[str, typer.Option(help="The shopper's nickname (no real names needed).")],
    by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Give a planned assignment to a shopper (planned → assigned)."""
    from mystery_shopper.workflow import assign as assign_to
    from qa.cli.render import assignment_line
    from qa.reports.serialize import record_dict

    engine = common.engine()
    actor = common.actor(engine, by, as_, "campaigns.manage")
    emit(as_json, assign_to(engine, assignment_id=assignment, shopper=shopper, actor=actor), record_dict, assignment_line)


@app.command()
def status(
    assignment: AssignmentArg,
    to: Annotated[str, typer.Argument(help="called | validated | revision | excluded | published.")],
    reason: Annotated[Optional[str], typer.Option(help="Why (required for revision and excluded; the shopper reads it).")] = None,
    by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Move an assignment one step: assigned → called → submitted (by an entry) → validated | revision | excluded →
    published. A step out of order is refused and says which step must come first."""
    from mystery_shopper.workflow import move
    from qa.cli.render import assignment_line
    from qa.reports.serialize import record_dict

    engine = common.engine()
    actor = common.actor(engine, by, as_, "shopper.entry")
    emit(as_json, move(engine, assignment_id=assignment, status=to, actor=actor, note=reason), record_dict,
         assignment_line)


# ---------------------------------------------------------------- entries


@entry_app.command("add")
def entry_add(
    assignment: AssignmentArg,
    recording: Annotated[Path, typer.Option("--recording", help="The test call's recording (audio), or its transcript in the interchange .json format.")],
    answers: Annotated[Path, typer.Option("--answers", help="The shopper's answers YAML (checklist items, comments, 0-10 rating).")],
    by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Hand in an entry: the recording is processed and scored like any call (kept out of ordinary averages) and
    checked against the scenario; a recording that fails is stored with its reason.

    Example: qa shopper entry add 3 --recording call.flac --answers answers.yaml --by olga
    """
    from qa.pipeline.shopper import add_entry

    settings = common.settings()
    engine = common.engine(settings)
    actor = common.actor(engine, by, as_, "shopper.entry")
    entry = add_entry(engine, assignment_id=assignment, recording=recording, answers_path=answers, actor=actor,
                      processor=common.processor(settings))
    _show_entry(entry, as_json)
    if entry.status == "failed":
        raise typer.Exit(1)


def _show_entry(entry, as_json: bool) -> None:
    from qa.cli.render import entry_view
    from qa.reports.shopper import entry_dict

    emit(as_json, entry, entry_dict, entry_view)


@entry_app.command("show")
def entry_show(entry: Annotated[int, typer.Argument(help="Entry id.")], as_json: JsonOpt = False) -> None:
    """An entry: the shopper's answers beside the machine's checks, with evidence and disagreements marked."""
    from qa.db.campaigns import load_entry

    _show_entry(load_entry(common.engine(), entry_id=entry), as_json)


# ---------------------------------------------------------------- report


@app.command()
def report(
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign id or name.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or html.")] = "table",
    output: OutputOpt = None,
) -> None:
    """A campaign's report: per operator (teams only when staff were not informed), team, scenario and checklist
    area; the trend across the series' waves; shopper-machine agreement per item (percent, kappa); expected-fact
    pass rates; disagreements and suspicious entries."""
    from mystery_shopper.report import build_report
    from qa.cli.render import shopper_report_view
    from qa.reports.shopper import render_report

    engine = common.engine()
    built = build_report(engine, campaign_ref=_campaign_ref(campaign))
    if fmt == "table" and output is None:
        common.show(shopper_report_view(built))
        return
    common.write(render_report(built, fmt), output)

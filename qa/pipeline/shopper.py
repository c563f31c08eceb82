"""A mystery shopper's entry: the recording goes through the pipeline like any call, is scored by the rubric AND by
the scenario's checks, and is stored beside the shopper's checklist answers.

The call is stored as the target operator's, marked with the campaign (metadata ``mystery_campaign``), so it never
counts in ordinary averages. A recording that cannot be processed is stored as a failed entry with the reason:
what the shopper handed in is never lost, and a new ``entry add`` after a revision replaces it.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from pathlib import Path

from sqlalchemy.engine import Engine

from qa.core.errors import ConfigError, QAError, StateError
from qa.core.records import EntryInfo
from qa.core.types import CallMetadata, Scorecard, Transcript, call_id_for
from qa.db import calls as call_store
from qa.db import campaigns as store
from qa.db import scores
from qa.ingest.files import readable
from qa.pipeline.batch import process_batch
from qa.pipeline.imports import read_labeled
from qa.pipeline.processor import CallProcessor
from qa.pipeline.rescore import score_and_store

log = logging.getLogger(__name__)

ENTRY_FROM = ("assigned", "called", "revision")


def _metadata(assignment, campaign, answers) -> CallMetadata:
    return CallMetadata(operator_id=assignment.operator_id, started_at=answers.called_at,
                        phone=answers.dialled_number, extra=((store.MYSTERY_KEY, campaign.name),))


def _import(engine: Engine, path: Path, metadata: CallMetadata, rubric) -> str:
    """A transcript in the interchange format (a call transcribed elsewhere) stands in for the recording."""
    call = read_labeled(path)
    call = replace(call, metadata=replace(metadata, operator_name=call.metadata.operator_name,
                                          team=call.metadata.team,
                                          started_at=metadata.started_at or call.metadata.started_at))
    call_id = call_id_for(call.sha256)
    if call_store.call_status(engine, call_id=call_id) != "done":
        call_store.save_imported(engine, call=call, call_id=call_id, batch_id=None, supersedes=[])
    score_and_store(engine, call_id, call.transcript, call.features, rubric)
    return call_id


def _process(engine: Engine, path: Path, metadata: CallMetadata, rubric, processor: CallProcessor) -> str:
    report = process_batch(engine, [path], processor=processor, metadata_for=lambda _: (metadata, ()), rubric=rubric)
    outcome = report.outcomes[0]
    if outcome.status == "failed" or outcome.call_id is None:
        raise ConfigError(outcome.reason or "the recording could not be processed")
    stored = call_store.load_call(engine, call_id=outcome.call_id)
    score_and_store(engine, outcome.call_id, stored.transcript, stored.features, rubric)  # a no-op when done
    return outcome.call_id


def _scored(engine: Engine, call_id: str, rubric_id: str) -> tuple[Transcript, Scorecard | None]:
    stored = call_store.load_call(engine, call_id=call_id)
    cards = [c for c in scores.load_scorecards(engine, call_id=call_id) if c.rubric_id == rubric_id]
    return stored.transcript, (cards[0] if cards else None)


def _check_dict(check) -> dict:
    data = asdict(check)
    data["verdict"] = check.verdict.value
    return data


def add_entry(
    engine: Engine, *, assignment_id: int, recording: Path, answers_path: Path, actor: str,
    processor: CallProcessor | None = None, rubric=None,
) -> EntryInfo:
    """Process ``recording`` (audio, or an interchange ``.json`` transcript) for an assignment and store the entry.

    The answers file and the assignment's state are checked before any work (a bad file changes nothing);
    a recording that fails is stored as a failed entry with its reason."""
    from mystery_shopper.answers import load_answers
    from mystery_shopper.checks import check_scenario
    from mystery_shopper.scenario import find_scenario
    from scoring.rubric import find_rubric

    assignment = store.load_assignment(engine, assignment_id=assignment_id)
    if assignment.status not in ENTRY_FROM:
        raise _not_ready(assignment)
    campaign = store.load_campaign(engine, ref=assignment.campaign_id)
    scenario = find_scenario(assignment.scenario_id)
    answers = load_answers(answers_path, scenario)
    if not recording.exists():
        raise ConfigError(f"{readable(recording)}: no such file; give the recording of the test call")
    rubric = rubric or find_rubric(campaign.rubric_id)
    metadata = _metadata(assignment, campaign, answers)
    call_id: str | None = None
    error: str | None = None
    checks: list[dict] = []
    try:
        if recording.suffix.lower() == ".json":
            call_id = _import(engine, recording, metadata, rubric)
        else:
            if processor is None:
                raise ConfigError("an audio recording needs the pipeline's models (no processor given)")
            call_id = _process(engine, recording, metadata, rubric, processor)
        transcript, card = _scored(engine, call_id, rubric.id)
        checks = [_check_dict(c) for c in check_scenario(scenario, transcript, card)]
    except QAError as exc:
        error = str(exc)
    except Exception as exc:  # a bug in one entry must not lose it: store the failure, keep the traceback in the log
        log.error("cannot process the entry recording %s", readable(recording), exc_info=exc)
        error = f"internal error ({type(exc).__name__}: {str(exc)[:200]})"
    if error is not None:
        call_id, checks = None, []
    return store.save_entry(
        engine, assignment_id=assignment_id, allowed_from=("called", "revision"), recording=readable(recording),
        call_id=call_id, error=error, shopper=answers.shopper or assignment.shopper or "unknown",
        called_at=answers.called_at, dialled_number=answers.dialled_number, rings=answers.rings,
        service_rating=answers.service_rating, scenario_id=scenario.id, scenario_version=scenario.version,
        scenario_hash=scenario.sha256, answers=answers_json(answers), checks=checks, actor=actor,
    )


def _not_ready(assignment) -> StateError:
    hint = {"planned": "assign a shopper first (qa shopper assign ID --shopper NICK)",
            "submitted": "it has an entry; send it back for revision first (qa shopper status ID revision --reason ...)",
            }.get(assignment.status, "it is closed")
    return StateError(f"assignment {assignment.assignment_id} is {assignment.status}: {hint}")


def answers_json(answers) -> dict:
    return {item: {"answer": a.answer, "comment": a.comment} for item, a in answers.items.items()}

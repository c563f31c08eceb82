"""Row <-> dataclass conversion, the only place in the project that does it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from qa.core.records import (
    AssignmentInfo,
    AuditEntry,
    CampaignInfo,
    ClipInfo,
    EntryInfo,
    PlaylistInfo,
    CalibrationRoundInfo,
    CallSummary,
    Comment,
    DisputeInfo,
    HumanVerdict,
    LearnedModelInfo,
    OperatorInfo,
    OrderTruth,
    ReviewInfo,
    StoredCall,
)
from qa.core.types import (
    CallFeatures,
    CallMetadata,
    CriterionResult,
    Diarization,
    Direction,
    Evidence,
    ImportedCall,
    ProcessedCall,
    Role,
    RoleAssignment,
    RoleFeatures,
    Scorecard,
    SpeakerTurn,
    Transcript,
    Utterance,
    Verdict,
    Word,
)
from qa.db import tables as t


def metadata_columns(m: CallMetadata) -> dict:
    return {
        "operator_id": m.operator_id,
        "started_at": m.started_at,
        "direction": m.direction.value if m.direction else None,
        "phone": m.phone,
        "order_id": m.order_id,
        "extra": json.dumps(dict(m.extra), ensure_ascii=False) if m.extra else None,
    }


def processed_call_row(call: ProcessedCall, *, batch_id: int | None, at: datetime) -> t.Call:
    tr = call.transcript
    return t.Call(
        id=call.recording.call_id, sha256=call.recording.sha256, source="audio", file_name=call.recording.path.name,
        source_path=str(call.recording.path), status="done", batch_id=batch_id, mode=call.mode,
        language=tr.language, language_probability=tr.language_probability, duration_s=round(call.duration_s, 3),
        sample_rate_hz=call.sample_rate_hz, channels=call.channels, role_method=tr.role_assignment.method,
        role_confidence=tr.role_assignment.confidence, asr_model=call.asr_model,
        notes=json.dumps(list(call.notes), ensure_ascii=False) if call.notes else None,
        processing_s=round(call.processing_s, 3), processed_at=at, **metadata_columns(call.metadata),
    )


def failed_call_row(
    *, call_id: str, sha256: str | None, path: Path, reason: str, batch_id: int | None, metadata: CallMetadata, at: datetime,
) -> t.Call:
    return t.Call(
        id=call_id, sha256=sha256, file_name=path.name, source_path=str(path), status="failed", error=reason,
        batch_id=batch_id, processed_at=at, **metadata_columns(metadata),
    )


def imported_call_row(call: ImportedCall, *, call_id: str, batch_id: int | None, at: datetime) -> t.Call:
    tr = call.transcript
    return t.Call(
        id=call_id, sha256=call.sha256, source="import", external_id=call.external_id,
        file_name=call.source_path.name, source_path=str(call.source_path), status="done", batch_id=batch_id,
        mode="import", language=tr.language, duration_s=call.duration_s, role_method=tr.role_assignment.method,
        role_confidence=tr.role_assignment.confidence, processed_at=at,
        notes=json.dumps({"outcome": dict(call.outcome)}, ensure_ascii=False) if call.outcome else None,
        **metadata_columns(call.metadata),
    )


def add_transcript(s: Session, call_id: str, transcript: Transcript) -> None:
    for idx, u in enumerate(transcript.utterances):
        row = t.Utterance(
            call_id=call_id, idx=idx, role=u.role.value, speaker=u.speaker, start_s=u.start_s, end_s=u.end_s,
            text=u.text, confidence=None if u.confidence is None else round(u.confidence, 4),
        )
        s.add(row)
        s.flush()
        s.add_all(
            t.Word(utterance_id=row.id, idx=i, start_s=w.start_s, end_s=w.end_s, text=w.text, probability=w.probability)
            for i, w in enumerate(u.words)
        )


def add_features(s: Session, call_id: str, f: CallFeatures) -> None:
    s.add(t.CallMetrics(
        call_id=call_id, duration_s=f.duration_s, talk_s=f.talk_s, talk_listen_ratio=f.talk_listen_ratio,
        silence_total_s=f.silence_total_s, silence_longest_s=f.silence_longest_s, overtalk_s=f.overtalk_s,
    ))
    for r in f.roles:
        s.add(t.RoleMetrics(
            call_id=call_id, role=r.role.value, talk_s=r.talk_s, talk_ratio=r.talk_ratio, turns=r.turns, words=r.words,
            speech_rate_wpm=r.speech_rate_wpm, interruptions=r.interruptions,
            response_latency_mean_s=r.response_latency_mean_s, response_latency_max_s=r.response_latency_max_s,
            loudness_dbfs=r.loudness_dbfs,
        ))


def call_summary(row: t.Call, n_utt: int) -> CallSummary:
    return CallSummary(
        call_id=row.id, file_name=row.file_name, status=row.status, error=row.error, operator_id=row.operator_id,
        started_at=row.started_at, direction=row.direction, mode=row.mode, language=row.language,
        duration_s=row.duration_s, utterances=n_utt, external_id=row.external_id, superseded_by=row.superseded_by,
        erased_at=row.erased_at, transcript_removed_at=row.transcript_removed_at, audio_removed_at=row.audio_removed_at,
    )


def call_metadata(row: t.Call, operator: t.Operator | None = None) -> CallMetadata:
    return CallMetadata(
        operator_id=row.operator_id, operator_name=operator.name if operator else None,
        team=operator.team if operator else None, started_at=row.started_at,
        direction=Direction(row.direction) if row.direction else None, phone=row.phone, order_id=row.order_id,
        extra=tuple(sorted(json.loads(row.extra).items())) if row.extra else (),
    )


def _notes(row: t.Call) -> tuple[tuple[str, ...], tuple]:
    """(warnings, outcome): processed calls keep a JSON list of warnings, imported ones {"outcome": {...}}."""
    if not row.notes:
        return (), ()
    data = json.loads(row.notes)
    if isinstance(data, list):
        return tuple(data), ()
    if isinstance(data, dict):
        return (), tuple(sorted((data.get("outcome") or {}).items()))
    return (), ()


def order_truth(row: t.Call) -> OrderTruth | None:
    """The order system's (or a reviewer's) word on whether the call placed an order (:class:`OrderTruth`)."""
    return OrderTruth.of(json.loads(row.extra) if row.extra else {}, dict(_notes(row)[1]))


def stored_call(
    row: t.Call, *, utterances: Sequence[t.Utterance], words: Sequence[t.Word], turns: Sequence[t.SpeakerTurn],
    metrics: t.CallMetrics | None, role_metrics: Sequence[t.RoleMetrics], operator: t.Operator | None = None,
    labels: Iterable[t.HumanLabel] = (),
) -> StoredCall:
    """A call's rows -> StoredCall (``words`` ordered by utterance and index; ``labels``: its imported gold labels)."""
    words_by_utt: dict[int, list[Word]] = {}
    for w in words:
        words_by_utt.setdefault(w.utterance_id, []).append(Word(w.start_s, w.end_s, w.text, w.probability))
    utts = tuple(
        Utterance(Role(u.role), u.speaker, u.start_s, u.end_s, u.text, tuple(words_by_utt.get(u.id, ())))
        for u in utterances
    )
    speaker_roles = tuple(sorted({(u.speaker, u.role) for u in utts}))
    transcript = Transcript(
        language=row.language or "", utterances=utts,
        role_assignment=RoleAssignment(roles=speaker_roles, confidence=row.role_confidence or 0.0, method=row.role_method or ""),
        language_probability=row.language_probability,
    )
    features = None
    if metrics is not None:
        features = CallFeatures(
            duration_s=metrics.duration_s, talk_s=metrics.talk_s, talk_listen_ratio=metrics.talk_listen_ratio,
            silence_total_s=metrics.silence_total_s, silence_longest_s=metrics.silence_longest_s, overtalk_s=metrics.overtalk_s,
            roles=tuple(
                RoleFeatures(
                    role=Role(r.role), talk_s=r.talk_s, talk_ratio=r.talk_ratio, turns=r.turns, words=r.words,
                    speech_rate_wpm=r.speech_rate_wpm, interruptions=r.interruptions,
                    response_latency_mean_s=r.response_latency_mean_s, response_latency_max_s=r.response_latency_max_s,
                    loudness_dbfs=r.loudness_dbfs,
                )
                for r in role_metrics
            ),
        )
    notes, outcome = _notes(row)
    gold: dict[str, str] = {}
    for label in sorted(labels, key=lambda x: x.id):
        if label.source == "import":
            gold[label.criterion_id] = label.verdict
    return StoredCall(
        summary=call_summary(row, len(utts)), metadata=call_metadata(row, operator), transcript=transcript,
        diarization=Diarization(
            tuple(SpeakerTurn(x.speaker, x.start_s, x.end_s) for x in turns),
            method={"stereo": "channels", "mono": "pyannote"}.get(row.mode or "", row.mode or ""),
        ),
        features=features, notes=notes, source_path=row.source_path, asr_model=row.asr_model,
        outcome=outcome, labels=tuple(gold.items()),
    )


def operator_info(row: t.Operator) -> OperatorInfo:
    return OperatorInfo(row.id, row.name, row.team)


def add_scorecard(s: Session, call_id: str, card: Scorecard, at: datetime) -> t.Scorecard:
    """Store a scorecard and its verdicts inside the caller's transaction."""
    row = t.Scorecard(
        call_id=call_id, rubric_id=card.rubric_id, rubric_version=card.rubric_version, rubric_hash=card.rubric_hash,
        language=card.language, total=card.total, critical_failed=card.critical_failed,
        critical_zeroes_total=card.critical_zeroes_total,
        section_scores=json.dumps(dict(card.section_scores)), outcome=json.dumps(dict(card.outcome), ensure_ascii=False),
        created_at=at,
    )
    s.add(row)
    s.flush()
    s.add_all(
        t.CriterionVerdict(
            scorecard_id=row.id, criterion_id=r.criterion_id, section_id=r.section_id, verdict=r.verdict.value,
            reason=r.reason, confidence=r.confidence, weight=r.weight, critical=r.critical,
            evidence=json.dumps([asdict(e) for e in r.evidence], ensure_ascii=False), needs_review=r.needs_review,
        )
        for r in card.results
    )
    return row


def evidence(e: dict) -> Evidence:
    """One stored evidence item; rows written before evidence had a ``kind`` are quotes."""
    return Evidence(
        e.get("utterance_index"), e.get("start_s"), e.get("end_s"), e.get("role"), e.get("quote", ""), e.get("rule", ""),
        e.get("kind") or "quote",
    )


_VERDICTS = {v.value: v for v in Verdict}  # a dict lookup: scorecard reports convert hundreds of thousands


def scorecard(s: Session, row: t.Scorecard, verdicts: list[t.CriterionVerdict] | None = None) -> Scorecard:
    """A stored scorecard and its verdicts, as ORM rows or plain rows with the same columns."""
    if verdicts is None:
        verdicts = s.exec(select(t.CriterionVerdict).where(t.CriterionVerdict.scorecard_id == row.id).order_by(t.CriterionVerdict.id)).all()
    return Scorecard(
        rubric_id=row.rubric_id, rubric_version=row.rubric_version, rubric_hash=row.rubric_hash, language=row.language,
        results=tuple(
            CriterionResult(
                v.criterion_id, v.section_id, _VERDICTS[v.verdict], v.reason,
                () if v.evidence == "[]" else tuple(evidence(e) for e in json.loads(v.evidence)), v.confidence,
                v.weight, v.critical, needs_review=v.needs_review,
            )
            for v in verdicts
        ),
        section_scores=tuple(json.loads(row.section_scores).items()), total=row.total,
        critical_failed=row.critical_failed, critical_zeroes_total=row.critical_zeroes_total,
        outcome=tuple(json.loads(row.outcome).items()),
    )


def human_verdict(row: t.HumanLabel) -> HumanVerdict:
    return HumanVerdict(
        row.id, row.call_id, row.criterion_id, Verdict(row.verdict), row.source, row.author, row.created_at,
        row.reason, row.machine_verdict,
    )


def comment(row: t.ReviewComment) -> Comment:
    return Comment(row.id, row.call_id, row.utterance_idx, row.at_s, row.author, row.text, row.created_at)


def dispute_info(row: t.Dispute) -> DisputeInfo:
    return DisputeInfo(
        row.id, row.session_id, row.call_id, row.criterion_id, row.operator_id, Verdict(row.disputed_verdict),
        Verdict(row.claimed_verdict), row.reason, row.status, row.opened_at, row.resolved_by, row.resolution, row.resolved_at,
    )


def review_info(
    row: t.ReviewSession, *, items: Sequence[t.ReviewItem], comments: Sequence[t.ReviewComment],
    labels: Sequence[t.HumanLabel], disputes: Sequence[t.Dispute],
) -> ReviewInfo:
    return ReviewInfo(
        session_id=row.id, operator_id=row.operator_id, reviewer=row.reviewer, status=row.status, rubric_id=row.rubric_id,
        pick=json.loads(row.pick), opened_at=row.opened_at, items=tuple((i.call_id, i.why) for i in items),
        comments=tuple(comment(c) for c in comments), overrides=tuple(human_verdict(label) for label in labels),
        disputes=tuple(dispute_info(d) for d in disputes), closed_at=row.closed_at, summary=row.summary,
        actions=tuple(a for a in (row.actions or "").splitlines() if a), acknowledged_at=row.acknowledged_at,
    )


def audit_entry(row: t.AuditEvent) -> AuditEntry:
    return AuditEntry(row.at, row.actor, row.action, row.entity, row.entity_id, json.loads(row.details))


def audit_details(details: dict) -> str:
    return json.dumps(details, ensure_ascii=False, default=str)


def calibration_round_info(row: t.CalibrationRound, labels: Sequence[t.HumanLabel]) -> CalibrationRoundInfo:
    return CalibrationRoundInfo(
        round_id=row.id, name=row.name, rubric_id=row.rubric_id, created_at=row.created_at,
        reviewers=tuple(sorted({label.author or "unknown" for label in labels})), labels=len(labels),
    )


def learned_model_info(row: t.LearnedModel) -> LearnedModelInfo:
    return LearnedModelInfo(
        criterion_id=row.criterion_id, version=row.version, path=row.path, sha256=row.sha256, n_train=row.n_train,
        created_at=row.trained_at, metrics=json.loads(row.metrics),
    )


def clip_info(row: t.PlaylistItem, listens: Sequence[t.PlaylistListen] = ()) -> ClipInfo:
    return ClipInfo(
        item_id=row.id, position=row.position, call_id=row.call_id, start_s=row.start_s, end_s=row.end_s,
        criterion_id=row.criterion_id, note=row.note, added_by=row.added_by, added_at=row.added_at,
        listened_by=tuple((listen.login, listen.listened_at) for listen in listens),
    )


def playlist_info(row: t.Playlist, items: Sequence[ClipInfo] = ()) -> PlaylistInfo:
    return PlaylistInfo(
        playlist_id=row.id, title=row.title, audience=row.audience, purpose=row.purpose, owner=row.owner,
        created_at=row.created_at, updated_at=row.updated_at, items=tuple(items),
    )


def campaign_info(row: t.ShopperCampaign) -> CampaignInfo:
    return CampaignInfo(
        campaign_id=row.id, name=row.name, title=row.title, series=row.series, starts_on=row.starts_on,
        ends_on=row.ends_on, scenarios=tuple(json.loads(row.scenarios)), operators=tuple(json.loads(row.operators)),
        calls_per_operator=row.calls_per_operator, deadline_h=row.deadline_h, staff_informed=row.staff_informed,
        rubric_id=row.rubric_id, created_by=row.created_by, created_at=row.created_at,
    )


def assignment_info(row: t.ShopperAssignment) -> AssignmentInfo:
    return AssignmentInfo(
        assignment_id=row.id, campaign_id=row.campaign_id, scenario_id=row.scenario_id, operator_id=row.operator_id,
        shopper=row.shopper, status=row.status, note=row.note, updated_at=row.updated_at,
    )


def entry_info(row: t.ShopperEntry, assignment: t.ShopperAssignment, team: str | None) -> EntryInfo:
    return EntryInfo(
        entry_id=row.id, assignment_id=row.assignment_id, campaign_id=assignment.campaign_id, call_id=row.call_id,
        recording=row.recording, status=row.status, error=row.error, shopper=row.shopper, operator_id=row.operator_id,
        team=team, called_at=row.called_at, dialled_number=row.dialled_number, rings=row.rings,
        service_rating=row.service_rating, scenario_id=row.scenario_id, scenario_version=row.scenario_version,
        scenario_hash=row.scenario_hash, answers=json.loads(row.answers), checks=tuple(json.loads(row.checks)),
        assignment_status=assignment.status, created_by=row.created_by, created_at=row.created_at,
    )

"""Row <-> dataclass conversion, the only place in the project that does it."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from qa.core.records import (
    CallSummary,
    HumanVerdict,
)
from qa.core.types import (
    CallFeatures,
    CallMetadata,
    CriterionResult,
    Evidence,
    Scorecard,
    Transcript,
    Verdict,
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
        duration_s=row.duration_s, utterances=n_utt, external_id=row.external_id,
    )


def scorecard(s: Session, row: t.Scorecard, verdicts: list[t.CriterionVerdict] | None = None) -> Scorecard:
    if verdicts is None:
        verdicts = s.exec(select(t.CriterionVerdict).where(t.CriterionVerdict.scorecard_id == row.id).order_by(t.CriterionVerdict.id)).all()
    return Scorecard(
        rubric_id=row.rubric_id, rubric_version=row.rubric_version, rubric_hash=row.rubric_hash, language=row.language,
        results=tuple(
            CriterionResult(
                v.criterion_id, v.section_id, Verdict(v.verdict), v.reason,
                tuple(Evidence(**e) for e in json.loads(v.evidence)), v.confidence, v.weight, v.critical,
            )
            for v in verdicts
        ),
        section_scores=tuple(json.loads(row.section_scores).items()), total=row.total,
        critical_failed=row.critical_failed, outcome=tuple(json.loads(row.outcome).items()),
    )


def human_verdict(row: t.HumanLabel) -> HumanVerdict:
    return HumanVerdict(
        row.id, row.call_id, row.criterion_id, Verdict(row.verdict), row.source, row.author, row.created_at,
        row.reason, row.machine_verdict,
    )

"""JSON shapes shared by the CLI and the web: one function per type, never printing."""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum

from qa.core.records import StoredCall
from qa.core.types import Scorecard
from qa.pipeline.batch import BatchReport
from qa.review.scorecards import FIGURES, Figures, ScorecardReport


def _jsonable(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def to_dict(call: StoredCall) -> dict:
    m = call.metadata
    return {
        "call_id": call.summary.call_id,
        "file_name": call.summary.file_name,
        "language": call.transcript.language,
        "operator": m.operator_id,
        "started_at": m.started_at.isoformat() if m.started_at else None,
        "channel": m.direction.value if m.direction else None,
        "phone": m.phone,
        "order_id": m.order_id,
        "duration_s": call.summary.duration_s,
        "mode": call.summary.mode,
        "asr_model": call.asr_model,
        "roles": {"method": call.transcript.role_assignment.method, "confidence": call.transcript.role_assignment.confidence},
        "utterances": [
            {
                "role": u.role.value, "speaker": u.speaker, "start_s": u.start_s, "end_s": u.end_s, "text": u.text,
                "confidence": None if u.confidence is None else round(u.confidence, 4),
                "words": [{"start_s": w.start_s, "end_s": w.end_s, "text": w.text.strip(), "probability": w.probability} for w in u.words],
            }
            for u in call.transcript.utterances
        ],
        "features": _jsonable(asdict(call.features)) if call.features else None,
        "notes": list(call.notes),
    }


def batch_report_dict(report: BatchReport) -> dict:
    return {
        "batch_id": report.batch_id,
        "status": report.status,
        "processed": report.count("processed"),
        "skipped": report.count("skipped"),
        "failed": report.count("failed"),
        "ignored_files": [str(p) for p in report.ignored],
        "audio_hours": round(report.audio_s / 3600, 4),
        "wall_s": round(report.wall_s, 2),
        "real_time_factor": None if report.real_time_factor is None else round(report.real_time_factor, 3),
        "files": [
            {"path": str(o.path), "status": o.status, "call_id": o.call_id, "reason": o.reason,
             "audio_s": round(o.audio_s, 2), "wall_s": round(o.wall_s, 2), "warnings": list(o.warnings)}
            for o in report.outcomes
        ],
    }


def scorecard_dict(card: Scorecard) -> dict:
    return {
        "rubric": {"id": card.rubric_id, "version": card.rubric_version, "sha256": card.rubric_hash},
        "language": card.language,
        "total": card.total,
        "critical_failed": card.critical_failed,
        "sections": dict(card.section_scores),
        "outcome": dict(card.outcome),
        "criteria": [
            {"id": r.criterion_id, "section": r.section_id, "verdict": r.verdict.value, "reason": r.reason,
             "confidence": r.confidence, "weight": r.weight, "critical": r.critical,
             "evidence": [asdict(e) for e in r.evidence]}
            for r in card.results
        ],
    }


def figures_dict(f: Figures) -> dict:
    return {
        "calls": f.calls,
        "score": None if f.score is None else round(f.score, 1),
        "critical_failures": f.critical_failures,
        "conversion": None if f.conversion is None else round(f.conversion, 4),
        "orders": f.orders,
        "nps": None if f.nps is None else round(f.nps, 1),
        "nps_counts": {"promoters": f.promoters, "passives": f.passives, "detractors": f.detractors},
        "service_rating": None if f.service_rating is None else round(f.service_rating, 2),
        "aht_s": None if f.aht_s is None else round(f.aht_s, 1),
        "talk_listen_ratio": None if f.talk_listen_ratio is None else round(f.talk_listen_ratio, 3),
        "response_latency_s": None if f.response_latency_s is None else round(f.response_latency_s, 2),
        "overridden_verdicts": f.overridden,
        "pass_rates": {cid: None if rate is None else round(rate, 4) for cid, rate, _ in f.pass_rates},
    }


def report_json(report: ScorecardReport) -> list[dict]:
    """One object per operator: the figures, the trend against the previous period and the rank in the team."""
    out = []
    for card in report.operators:
        item = {"operator": card.operator_id, "name": card.name, "team": card.team, "period": report.period.label,
                "rubric": report.rubric_id, **figures_dict(card.now)}
        item["previous"] = figures_dict(card.before) if card.before else None
        item["trend"] = {f.key: _round(card.trend(f.key)) for f in FIGURES if card.trend(f.key) is not None}
        item["rank"] = {k: {"rank": r.rank, "of": r.of, "percentile": r.percentile} for k, r in card.ranks.items()}
        out.append(item)
    return out


def _round(v):
    return None if v is None else round(v, 4)

"""JSON shapes shared by the CLI and the web: one function per type, never printing."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, fields, is_dataclass
from enum import Enum
from pathlib import PurePath
from typing import TYPE_CHECKING

from qa.core.records import (
    CallSummary,
    HumanVerdict,
    OperatorInfo,
    ReviewInfo,
    StoredCall,
)
from qa.core.types import Evidence, Scorecard
from qa.pipeline.batch import BatchReport
from qa.review.scorecards import FIGURES, Figures, ScorecardReport

if TYPE_CHECKING:
    from qa.core.records import CallDetail
    from qa.pipeline.evaluate import Evaluation
    from qa.pipeline.imports import ImportResult
    from qa.pipeline.learn import LearnResult
    from qa.pipeline.models import ModelInfo
    from qa.pipeline.rescore import ScoreOutcome
    from qa.review.calibration import CalibrationReport
    from scoring.rubric import Rubric


def _jsonable(value):
    """Enums by value, dates as ISO 8601, paths as text, dataclasses as objects, NaN and infinities as null."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def json_text(data) -> str:
    """Indented JSON that any parser reads (no bare NaN): what ``--json`` prints."""
    return json.dumps(_jsonable(data), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def record_dict(record) -> dict:
    """A stored read model (``qa.core.records``) field by field."""
    return _jsonable(record)


def call_summary_dict(call: CallSummary) -> dict:
    """One row of ``qa calls --json``."""
    return record_dict(call)


def operator_dict(operator: OperatorInfo) -> dict:
    return record_dict(operator)


def human_verdict_dict(verdict: HumanVerdict) -> dict:
    return record_dict(verdict)


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


def evidence_dict(e: Evidence) -> dict:
    """One evidence item: a ``quote`` of an utterance, the window a criterion ``searched`` (no utterance,
    quote "", the search in ``rule``) or the ``nearest`` candidate (quoted, ``rule`` says why it did not count)."""
    return {"kind": e.kind, "utterance_index": e.utterance_index, "start_s": e.start_s, "end_s": e.end_s,
            "role": e.role, "quote": e.quote, "rule": e.rule}


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
             "confidence": r.confidence, "needs_review": r.needs_review, "weight": r.weight, "critical": r.critical,
             "evidence": [evidence_dict(e) for e in r.evidence]}
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
                "rubric": report.rubric_id, "rubric_version": report.rubric_version, **figures_dict(card.now)}
        item["previous"] = figures_dict(card.before) if card.before else None
        item["trend"] = {f.key: _round(card.trend(f.key)) for f in FIGURES if card.trend(f.key) is not None}
        item["rank"] = {k: {"rank": r.rank, "of": r.of, "percentile": r.percentile} for k, r in card.ranks.items()}
        m = card.mystery  # the mystery-shopper block, never mixed into the figures above
        item["mystery_shopper"] = None if m is None else {
            "entries": m.entries, "shopper_score": _round(m.shopper_score), "machine_score": _round(m.machine_score),
            "rubric_score": _round(m.rubric_score), "service_rating": _round(m.service_rating)}
        out.append(item)
    return out


def _round(v, digits: int = 4):
    return None if v is None or not math.isfinite(v) else round(v, digits)


def import_result_dict(result: ImportResult) -> dict:
    return {"path": result.path, "status": result.status, "call_id": result.call_id, "detail": result.detail}


def score_outcome_dict(outcome: ScoreOutcome) -> dict:
    return record_dict(outcome)


def call_detail_dict(detail: CallDetail) -> dict:
    """``qa show --json``: the call (as exported), its machine scorecards newest first, the scorecard with
    people's verdicts applied (``effective``) and those verdicts."""
    return {
        **to_dict(detail.stored),
        "scorecards": [scorecard_dict(c) for c in detail.scorecards],
        "effective": None if detail.effective is None else scorecard_dict(detail.effective),
        "human_verdicts": [human_verdict_dict(h) for h in detail.human],
        "acts": [list(a) for a in detail.acts],  # per utterance, in transcript order
    }


def rubric_dict(rubric: Rubric) -> dict:
    """``qa rubric show --json``: sections with their criteria (kind, weight, critical flag, parameters)."""

    def params(value):
        return _jsonable(value.model_dump()) if hasattr(value, "model_dump") else _jsonable(value)

    return {
        "id": rubric.id, "version": rubric.version, "title": rubric.title, "languages": list(rubric.languages),
        "sha256": rubric.sha256, "path": str(rubric.path), "critical_zeroes_total": rubric.critical_zeroes_total,
        "sections": [
            {"id": sid, "title": title, "criteria": [
                {"id": c.id, "title": c.title, "kind": c.kind, "weight": c.weight, "critical": c.critical,
                 "params": params(c.params)}
                for c in rubric.criteria if c.section_id == sid
            ]}
            for sid, title in rubric.sections
        ],
    }


def eval_report_dict(evaluation: Evaluation) -> dict:
    """``qa eval --json``: per criterion accuracy, macro precision/recall/F1, confusion and the wrong calls (with
    the predicted verdict's evidence); the outcome against gold (order placed, NPS score); the confidences'
    calibration (ECE, accuracy on the most confident verdicts); the noise applied (null: none)."""
    cal, noise = evaluation.calibration, evaluation.noise
    return {
        "criteria": {
            cid: {"accuracy": round(r.accuracy, 4), "precision": round(r.precision, 4), "recall": round(r.recall, 4),
                  "f1": round(r.f1, 4), "n": r.n, "confusion": r.confusion,
                  "errors": [{"call": e.call_id, "gold": e.gold, "predicted": e.predicted, "reason": e.reason,
                              "confidence": e.confidence, "evidence": [evidence_dict(x) for x in e.evidence]}
                             for e in r.errors]}
            for cid, r in evaluation.reports.items()
        },
        "calls": evaluation.calls,
        "outcome": {
            key: {"n": o.n, "correct": o.correct, "accuracy": _round(o.accuracy),
                  "wrong": [{"call": m.call_id, "gold": m.gold, "predicted": m.predicted} for m in o.misses]}
            for key, o in evaluation.outcome.items()
        },
        "calibration": None if cal is None else {
            "n": cal.n, "accuracy": _round(cal.accuracy), "mean_confidence": _round(cal.mean_confidence),
            "ece": _round(cal.ece), "bins": cal.bins,
            "accuracy_at_coverage": {f"{cov:g}": _round(acc) for cov, acc in cal.at_coverage},
            "needs_review": cal.needs_review, "accuracy_without_needs_review": _round(cal.accuracy_trusted),
        },
        "noise": None if noise is None else {"level": noise.level, "seed": noise.seed,
                                             "word_error_rate": _round(noise.word_error_rate)},
    }


def learn_result_dict(r: LearnResult) -> dict:
    """``qa learn --json``: one trained model, cross-validated and held-out scores beside the rules'."""
    import sklearn

    return {
        "criterion": r.criterion_id, "version": r.version, "path": str(r.path), "sha256": r.sha256,
        "n_train": r.n_train, "classes": r.classes, "embeddings": r.embeddings,
        "cross_validated": {"learned": r.cv_learned.as_dict(), "rule": r.cv_rule.as_dict()},
        "held_out": None if r.test_learned is None else {"learned": r.test_learned.as_dict(), "rule": r.test_rule.as_dict()},
        "seconds": round(r.seconds, 1), "sklearn": sklearn.__version__,
    }


def learned_model_dict(model) -> dict:
    """``qa learned --json``: a stored learned model (``LearnedModelInfo``)."""
    return record_dict(model)


def model_info_dict(model: ModelInfo) -> dict:
    return record_dict(model)


def calibration_report_dict(report: CalibrationReport) -> dict:
    """``qa calibrate report --json``: agreement (percent, Cohen's kappa) per criterion and pair of raters."""
    return {
        "round": report.round_name,
        "raters": list(report.raters),
        "agreement": [
            {"criterion": a.criterion_id, "raters": [a.rater_a, a.rater_b], "n": a.n,
             "percent": None if a.percent is None else round(100 * a.percent, 1),
             "kappa": None if a.kappa is None else _round(a.kappa, 3)}
            for a in report.agreements
        ],
        "largest_disagreements": [
            {"call": d.call_id, "split": d.split, "criteria": {c: dict(given) for c, given in d.details}}
            for d in report.disagreements
        ],
    }


def calibration_round_dict(info) -> dict:
    """``qa calibrate list --json``: one calibration round (``CalibrationRoundInfo``)."""
    return record_dict(info)


def review_dict(session: ReviewInfo, scores: dict[str, tuple[float | None, float | None]] | None = None) -> dict:
    """A review session; with ``scores`` (call id -> machine total, total with people's verdicts) each call
    carries both, as ``qa review show --json`` prints it."""
    out = record_dict(session)
    out["calls"] = [
        {"call_id": cid, "why": why}
        | ({} if scores is None else dict(zip(("machine_total", "corrected_total"), scores.get(cid, (None, None)))))
        for cid, why in session.items
    ]
    del out["items"]
    return out

"""The JSON API (``/api/...``, OpenAPI at ``/docs``): the same data and the same access rules as the pages,
in the shapes of :mod:`qa.reports.serialize` (those of ``--json`` in the CLI)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from qa import access
from qa.core.errors import ConfigError
from qa.core.types import Verdict
from qa.db import human
from qa.reports.serialize import call_detail_dict, call_summary_dict, human_verdict_dict, record_dict, report_json, review_dict
from qa.review import sessions
from qa.review.calls import CallFilter, browse_calls, search
from qa.review.periods import parse_period
from qa.review.scorecards import build_report
from qa.web.deps import Db, User, check_csrf, csrf_token
from qa.web.routes.pages import _call, _review

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/me")
def me(request: Request, user: User) -> dict:
    """The account logged in, and the CSRF token its writes must send as ``X-CSRF-Token``."""
    return record_dict(user) | {"csrf_token": csrf_token(request)}


@router.get("/calls")
def calls(db: Db, user: User, operator: str | None = None, failed: str | None = None, needs_review: bool = False) -> list[dict]:
    scope = access.call_scope(user)
    rows = browse_calls(db, where=CallFilter(operator_id=scope or operator, failed=failed, needs_review=needs_review))
    return [call_summary_dict(r.summary) | {"team": r.team, "total": r.total, "failed": list(r.failed),
                                            "needs_review": list(r.needs_review)} for r in rows]


@router.get("/calls/{call_id}")
def call(db: Db, user: User, call_id: str) -> dict:
    detail = _call(db, user, call_id)
    human.record_event(db, actor=user.login, action="transcript.view", entity="call", entity_id=call_id, details={"via": "api"})
    return call_detail_dict(detail)


class OverrideBody(BaseModel):
    criterion: str
    verdict: str
    reason: str


@router.post("/calls/{call_id}/override", dependencies=[Depends(check_csrf)])
def override(db: Db, user: User, call_id: str, body: OverrideBody) -> dict:
    _call(db, user, call_id)
    access.require(user, "call.override")
    try:
        verdict = Verdict(body.verdict)
    except ValueError:
        raise ConfigError(f"verdict {body.verdict!r}: use pass, fail or na") from None
    return human_verdict_dict(sessions.override_call(db, call_ref=call_id, criterion_id=body.criterion, verdict=verdict,
                                                     author=user.login, reason=body.reason))


@router.get("/search")
def search_transcripts(db: Db, user: User, q: str, limit: int = 100) -> list[dict]:
    return [record_dict(h) for h in search(db, query=q, operator_id=access.call_scope(user), limit=min(limit, 500))]


@router.get("/operators/{operator_id}")
def operator(request: Request, db: Db, user: User, operator_id: str, period: str | None = None) -> list[dict]:
    access.require(user, "operator.view", owner=operator_id)
    return report_json(build_report(db, rubric_id=request.app.state.settings.rubric, period=parse_period(period),
                                    operator_id=operator_id))


@router.get("/reviews")
def reviews(db: Db, user: User) -> list[dict]:
    access.require(user, "review.list")
    scope = user.operator_id if user.role == "operator" else None
    return [review_dict(s) for s in sessions.list_sessions(db, operator_id=scope)]


@router.get("/reviews/{session_id}")
def review(db: Db, user: User, session_id: int) -> dict:
    return review_dict(_review(db, user, session_id))

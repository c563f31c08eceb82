"""The pages: calls, one call (listen while reading), operators, reviews (playlists and campaigns: routes/library.py).

Thin: parse, ask :mod:`qa.access`, call one library function, render."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse

from qa import access
from qa.core.errors import ConfigError, NotFound
from qa.core.types import Verdict
from qa.db import calls as call_store
from qa.db import human
from qa.reports.serialize import report_json
from qa.review import sessions
from qa.review.calls import CallFilter, browse_calls, call_detail, search
from qa.review.periods import parse_period
from qa.review.scorecards import build_report, latest_month
from qa.web.deps import Db, User, check_csrf, page
from qa.web.routes.auth import home_of

router = APIRouter()


def _day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a date: use YYYY-MM-DD") from None


def _number(value: str | None, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number") from None


@router.get("/")
def home(user: User):
    return RedirectResponse(home_of(user), status_code=303)


@router.get("/calls")
def calls_page(request: Request, db: Db, user: User, q: str = "", operator: str = "", team: str = "",
               date_from: str = "", date_to: str = "", min_score: str = "", max_score: str = "", failed: str = "",
               needs_review: str = "", status: str = "", language: str = ""):
    scope = access.call_scope(user)
    where = CallFilter(operator_id=scope or operator or None, team=team or None, date_from=_day(date_from, "date_from"),
                       date_to=_day(date_to, "date_to"), min_score=_number(min_score, "min_score"),
                       max_score=_number(max_score, "max_score"), failed=failed or None,
                       needs_review=bool(needs_review), status=status or None, language=language or None)
    rows = browse_calls(db, where=where)
    hits = search(db, query=q, operator_id=scope) if q.strip() else []
    operators = [] if scope else call_store.list_operators(db)
    return page(request, "calls.html", user, rows=rows, hits=hits, q=q, operators=operators,
                form=dict(request.query_params))


def _call(db, user, call_id: str):
    detail = call_detail(db, ref=call_id)
    if detail.stored.summary.call_id != call_id:  # pages and audio take the id `qa calls` shows, nothing else
        raise NotFound(f"No call '{call_id}'. Use an id listed by `qa calls`.")
    access.require_call(user, detail.stored.summary)
    return detail


@router.get("/calls/{call_id}")
def call_page(request: Request, db: Db, user: User, call_id: str, t: float | None = Query(default=None, ge=0)):
    detail = _call(db, user, call_id)
    human.record_event(db, actor=user.login, action="transcript.view", entity="call", entity_id=call_id, details={})
    has_audio = Path(detail.stored.source_path).is_file() and detail.stored.summary.mode != "import"
    return page(request, "call.html", user, detail=detail, has_audio=has_audio, start_at=t,
                comments=sessions.comments_on(db, call_id=call_id),
                can_override=access.allowed(user, "call.override"), verdicts=[v.value for v in Verdict])


@router.get("/calls/{call_id}/audio")
def call_audio(db: Db, user: User, call_id: str):
    detail = _call(db, user, call_id)
    path = Path(detail.stored.source_path)
    if detail.stored.summary.mode == "import" or not path.is_file():
        raise NotFound(f"call {call_id} has no recording here (imported transcript, or the file was moved)")
    human.record_event(db, actor=user.login, action="audio.play", entity="call", entity_id=call_id, details={})
    return FileResponse(path, filename=path.name, content_disposition_type="inline")


@router.post("/calls/{call_id}/override", dependencies=[Depends(check_csrf)])
def override(db: Db, user: User, call_id: str, criterion: Annotated[str, Form()], verdict: Annotated[str, Form()],
             reason: Annotated[str, Form()] = ""):
    _call(db, user, call_id)
    access.require(user, "call.override")
    try:
        chosen = Verdict(verdict)
    except ValueError:
        raise ConfigError(f"verdict {verdict!r}: use pass, fail or na") from None
    sessions.override_call(db, call_ref=call_id, criterion_id=criterion, verdict=chosen, author=user.login, reason=reason)
    return RedirectResponse(f"/calls/{call_id}#scorecard", status_code=303)


@router.get("/operators/{operator_id}")
def operator_page(request: Request, db: Db, user: User, operator_id: str, period: str = ""):
    access.require(user, "operator.view", owner=operator_id)
    chosen = parse_period(period) if period else latest_month(db, operator_id=operator_id)
    report = build_report(db, rubric_id=request.app.state.settings.rubric, period=chosen, operator_id=operator_id)
    cards = report_json(report)
    return page(request, "operator.html", user, operator_id=operator_id, period=chosen, card=cards[0] if cards else None)


@router.get("/reviews")
def reviews_page(request: Request, db: Db, user: User):
    access.require(user, "review.list")
    scope = user.operator_id if user.role == "operator" else None
    operators = call_store.list_operators(db) if access.allowed(user, "review.manage") else []
    return page(request, "reviews.html", user, reviews=sessions.list_sessions(db, operator_id=scope), operators=operators)


def _review(db, user, session_id: int):
    session = sessions.get_session(db, session_id)
    if user.role == "operator" and session.operator_id != user.operator_id:
        raise NotFound(f"no review session {session_id}")
    access.require(user, "review.view", owner=session.operator_id)
    return session


@router.get("/reviews/{session_id}")
def review_page(request: Request, db: Db, user: User, session_id: int):
    session = _review(db, user, session_id)
    return page(request, "review.html", user, session=session,
                can_respond=access.allowed(user, "review.respond", owner=session.operator_id))


@router.post("/reviews/{session_id}/acknowledge", dependencies=[Depends(check_csrf)])
def acknowledge(db: Db, user: User, session_id: int):
    session = _review(db, user, session_id)
    access.require(user, "review.respond", owner=session.operator_id)
    sessions.acknowledge(db, session_id=session_id, operator_id=user.operator_id)
    return RedirectResponse(f"/reviews/{session_id}", status_code=303)


@router.post("/reviews/{session_id}/dispute", dependencies=[Depends(check_csrf)])
def dispute(db: Db, user: User, session_id: int, call_id: Annotated[str, Form()], criterion: Annotated[str, Form()],
            reason: Annotated[str, Form()] = ""):
    session = _review(db, user, session_id)
    access.require(user, "review.respond", owner=session.operator_id)
    sessions.dispute(db, session_id=session_id, call_ref=call_id, criterion_id=criterion,
                     operator_id=user.operator_id, reason=reason)
    return RedirectResponse(f"/reviews/{session_id}", status_code=303)



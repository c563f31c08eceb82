"""Review sessions in the browser: open one from a pick rule, comment on a moment, override, close; the operator
acknowledges or disputes; the reviewer upholds or overturns. Every step is the library's (qa.review.sessions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from qa import access
from qa.core.errors import ConfigError
from qa.core.types import Verdict
from qa.review import sessions
from qa.web.deps import Db, User, check_csrf
from qa.web.routes.pages import _number, _review

router = APIRouter(dependencies=[Depends(check_csrf)])


def _verdict(value: str) -> Verdict:
    try:
        return Verdict(value)
    except ValueError:
        raise ConfigError(f"verdict {value!r}: use pass, fail or na") from None


def _back(session_id: int) -> RedirectResponse:
    return RedirectResponse(f"/reviews/{session_id}", status_code=303)


@router.post("/reviews")
def open_review(request: Request, db: Db, user: User, operator: Annotated[str, Form()],
                rule: Annotated[str, Form()] = "lowest", n: Annotated[str, Form()] = "5",
                criterion: Annotated[str, Form()] = ""):
    access.require(user, "review.manage")
    count = int(_number(n, "n") or 5)
    options = {"random_n": None, "seed": None, "lowest": None, "failed": None, "n": count, "mystery": None,
               "calls": None, "low_confidence": None}
    key = {"random": "random_n", "lowest": "lowest", "low_confidence": "low_confidence"}.get(rule)
    if key:
        options[key] = count
    elif rule == "failed":
        options["failed"] = criterion
    else:
        raise ConfigError(f"pick rule {rule!r}: use random, lowest, low_confidence or failed")
    session = sessions.open_session(db, operator_id=operator, reviewer=user.login,
                                    rubric_id=request.app.state.settings.rubric, pick=sessions.pick_from_options(**options))
    return _back(session.session_id)


@router.post("/reviews/{session_id}/comment")
def comment(db: Db, user: User, session_id: int, call_id: Annotated[str, Form()], text: Annotated[str, Form()] = "",
            at_s: Annotated[str, Form()] = ""):
    _review(db, user, session_id)
    access.require(user, "review.manage")
    sessions.add_comment(db, session_id=session_id, call_ref=call_id, author=user.login, text=text,
                         at_s=_number(at_s, "at_s"))
    return _back(session_id)


@router.post("/reviews/{session_id}/override")
def override(db: Db, user: User, session_id: int, call_id: Annotated[str, Form()], criterion: Annotated[str, Form()],
             verdict: Annotated[str, Form()], reason: Annotated[str, Form()] = ""):
    _review(db, user, session_id)
    access.require(user, "review.manage")
    sessions.override(db, session_id=session_id, call_ref=call_id, criterion_id=criterion, verdict=_verdict(verdict),
                      author=user.login, reason=reason)
    return _back(session_id)


@router.post("/reviews/{session_id}/close")
def close(db: Db, user: User, session_id: int, summary: Annotated[str, Form()] = "", actions: Annotated[str, Form()] = ""):
    _review(db, user, session_id)
    access.require(user, "review.manage")
    sessions.close_session(db, session_id=session_id, author=user.login, summary=summary, actions=actions.splitlines())
    return _back(session_id)


@router.post("/disputes/{dispute_id}/resolve")
def resolve(db: Db, user: User, dispute_id: int, decision: Annotated[str, Form()], note: Annotated[str, Form()] = ""):
    access.require(user, "review.manage")
    d = sessions.resolve_dispute(db, dispute_id=dispute_id, author=user.login, decision=decision, note=note)
    return _back(d.session_id)

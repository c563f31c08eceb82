"""What every route needs: the database, the current account, the CSRF check, the language."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from qa import access
from qa.core.errors import Forbidden, NotFound, QAError
from qa.core.records import UserInfo
from qa.web.i18n import pick_language, translator


class LoginRequired(QAError):
    """No valid session: pages redirect to /login, the API answers 401."""

    http_status = 401


class CsrfRejected(Forbidden):
    """A form or API write without the session's CSRF token."""


def engine(request: Request) -> Engine:
    return request.app.state.engine


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def current_user(request: Request, db: Annotated[Engine, Depends(engine)]) -> UserInfo:
    login = request.session.get("user")
    if not login:
        raise LoginRequired("log in first")
    try:
        return access.user(db, login)
    except (NotFound, Forbidden):
        request.session.clear()
        raise LoginRequired("your account is gone or disabled; log in again") from None


async def check_csrf(request: Request) -> None:
    """Every write carries the session's token: a form field ``csrf_token``, or the ``X-CSRF-Token`` header
    (JSON API). A forged cross-site form cannot read it, so it cannot act as the logged-in person."""
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = (await request.form()).get("csrf_token")
    expected = request.session.get("csrf")
    if not expected or not given or not secrets.compare_digest(str(expected), str(given)):
        raise CsrfRejected("the form's security token is missing or stale: reload the page and try again")


def language(request: Request) -> str:
    return pick_language(request.cookies.get("lang"), request.headers.get("accept-language"))


User = Annotated[UserInfo, Depends(current_user)]
Db = Annotated[Engine, Depends(engine)]
Csrf = Depends(check_csrf)


def page(request: Request, name: str, user: UserInfo | None, status_code: int = 200, **context):
    """Render a template with what every page shows (the account, the menu, the strings, the CSRF token)."""
    lang = language(request)
    return request.app.state.templates.TemplateResponse(
        request, name, {"user": user, "t": translator(lang), "lang": lang, "csrf_token": csrf_token(request),
                        "access": access, **context}, status_code=status_code)

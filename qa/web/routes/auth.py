"""Log in, log out, pick the language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from qa import access
from qa.web.deps import Db, check_csrf, page
from qa.web.i18n import LANGUAGES

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme): an open redirect would leak the session's trust."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return page(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(request: Request, db: Db, username: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/"):
    try:
        info = access.authenticate(db, login=username.strip(), password=password)
    except access.LoginRefused as refused:
        return page(request, "login.html", None, status_code=401, next=_safe_next(next), error=str(refused))
    request.session.clear()  # a new session on login: a token planted before it is worthless
    request.session["user"] = info.login
    return RedirectResponse(_safe_next(next) if next != "/" else home_of(info), status_code=303)


def home_of(info) -> str:
    return "/playlists" if info.role == "trainer" else "/calls"


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
def set_language(request: Request, code: str, next: str = "/"):
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response

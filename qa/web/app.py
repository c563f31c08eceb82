"""The FastAPI application, made by :func:`create_app` (never at import) on the configured database."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from qa.core.errors import QAError
from qa.core.settings import Settings
from qa.db.engine import open_database
from qa.web.deps import LoginRequired, current_user, page
from qa.web.routes import api, auth, library, pages, reviews

HERE = Path(__file__).parent
log = logging.getLogger("qa.web")

__all__ = ["create_app", "secret_key"]


def secret_key(settings: Settings) -> str:
    """QA_WEB_SECRET, else a random key kept (mode 0600) in $QA_HOME/web-secret, so logins survive a restart."""
    if settings.web_secret:
        return settings.web_secret
    path = settings.home / "web-secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def create_app(settings: Settings, engine=None) -> FastAPI:
    app = FastAPI(title="Call QA", version="1", docs_url="/docs", redoc_url=None)
    app.state.settings = settings
    app.state.engine = engine if engine is not None else open_database(settings.database_url)
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.add_middleware(SessionMiddleware, secret_key=secret_key(settings), session_cookie="qa_session",
                       max_age=settings.session_ttl_s, same_site="lax", https_only=settings.secure_cookies)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(reviews.router)
    app.include_router(library.router)
    app.include_router(api.router)

    def _user_or_none(request: Request):
        try:
            return current_user(request, app.state.engine)
        except QAError:
            return None

    def _error(request: Request, status: int, message: str):
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=status)
        key = {403: "forbidden", 404: "not_found"}.get(status, "bad_request")
        return page(request, "error.html", _user_or_none(request), status_code=status, message=message, key=key)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)

    @app.exception_handler(QAError)
    async def _domain(request: Request, exc: QAError):
        status = getattr(exc, "http_status", 400)
        if status >= 500:
            log.exception("request failed", exc_info=exc)
        return _error(request, status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("query", "path", "body"))
        return _error(request, 422, f"{where or 'request'}: {first.get('msg', 'invalid')}")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException):
        return _error(request, exc.status_code, str(exc.detail))

    return app

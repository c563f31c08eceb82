"""Accounts (``appuser`` rows). Hashing and the rules of who may do what live in :mod:`qa.access`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.errors import NotFound, StateError
from qa.core.records import UserInfo
from qa.db import tables as t
from qa.db.engine import utcnow
from qa.db.human import add_audit

__all__ = ["add_user", "get_user", "list_users", "login_failed", "login_succeeded", "password_hash", "update_user"]


def _info(row: t.AppUser) -> UserInfo:
    return UserInfo(login=row.login, role=row.role, operator_id=row.operator_id, disabled=row.disabled,
                    created_at=row.created_at, last_login_at=row.last_login_at, has_password=bool(row.password_hash))


def _row(s: Session, login: str) -> t.AppUser:
    row = s.exec(select(t.AppUser).where(t.AppUser.login == login)).first()
    if row is None:
        raise NotFound(f"no account {login!r}; `qa users list` shows them, `qa users add` creates one")
    return row


def add_user(engine: Engine, *, login: str, role: str, operator_id: str | None, password_hash: str | None, actor: str) -> UserInfo:
    with Session(engine) as s, s.begin():
        if s.exec(select(t.AppUser).where(t.AppUser.login == login)).first() is not None:
            raise StateError(f"account {login!r} exists; `qa users passwd {login}` changes its password")
        if operator_id is not None and s.get(t.Operator, operator_id) is None:
            s.add(t.Operator(id=operator_id))
        now = utcnow()
        row = t.AppUser(login=login, role=role, operator_id=operator_id, password_hash=password_hash, created_at=now)
        s.add(row)
        s.flush()
        add_audit(s, actor=actor, action="user.add", entity="user", entity_id=login, at=now,
                  details={"role": role, "operator": operator_id})
        return _info(row)


def get_user(engine: Engine, *, login: str) -> UserInfo:
    with Session(engine) as s:
        return _info(_row(s, login))


def password_hash(engine: Engine, *, login: str) -> tuple[UserInfo, str | None, datetime | None]:
    """(the account, its stored hash, locked until) for checking a password."""
    with Session(engine) as s:
        row = _row(s, login)
        return _info(row), row.password_hash, row.locked_until


def list_users(engine: Engine) -> list[UserInfo]:
    with Session(engine) as s:
        return [_info(r) for r in s.exec(select(t.AppUser).order_by(t.AppUser.login))]


def update_user(engine: Engine, *, login: str, actor: str, password_hash: str | None = None,
                disabled: bool | None = None) -> UserInfo:
    with Session(engine) as s, s.begin():
        row = _row(s, login)
        changed = {}
        if password_hash is not None:
            row.password_hash, row.failed_logins, row.locked_until = password_hash, 0, None
            changed["password"] = "changed"  # never the hash itself
        if disabled is not None:
            row.disabled = disabled
            changed["disabled"] = disabled
        s.add(row)
        add_audit(s, actor=actor, action="user.update", entity="user", entity_id=login, at=utcnow(), details=changed)
        return _info(row)


def login_failed(engine: Engine, *, login: str, lock_after: int, lock_s: float) -> int:
    """Count a failed login; after ``lock_after`` in a row the account is locked for ``lock_s``. Returns the count."""
    from datetime import timedelta

    with Session(engine) as s, s.begin():
        row = s.exec(select(t.AppUser).where(t.AppUser.login == login)).first()
        if row is None:
            return 0
        row.failed_logins += 1
        now = utcnow()
        if row.failed_logins >= lock_after:
            row.locked_until = now + timedelta(seconds=lock_s)
            add_audit(s, actor=login, action="user.locked", entity="user", entity_id=login, at=now,
                      details={"failed_logins": row.failed_logins})
        s.add(row)
        return row.failed_logins


def login_succeeded(engine: Engine, *, login: str) -> None:
    with Session(engine) as s, s.begin():
        row = _row(s, login)
        now = utcnow()
        row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
        s.add(row)
        add_audit(s, actor=login, action="user.login", entity="user", entity_id=login, at=now, details={})


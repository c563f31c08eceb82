"""Accounts and who may see / do what: the one place the web UI and the CLI ask.

Roles: ``lead`` (everything, and manages accounts), ``reviewer`` (every call, review sessions, overrides),
``trainer`` (playlists and the clips in them, never a whole call), ``operator`` (only their own calls,
scorecards, review sessions and disputes). :func:`require` raises :class:`~qa.core.errors.Forbidden` with a line
saying who may do it; :func:`require_call` raises :class:`~qa.core.errors.NotFound` instead for someone who may
not know the call exists (an operator asking for another operator's call). The web maps these to 403 / 404.

Passwords are hashed with argon2id (``argon2-cffi``) and never stored or logged in clear; after
``LOCK_AFTER`` failed logins in a row an account is locked for ``LOCK_S`` seconds.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.engine import Engine

from qa.core.errors import ConfigError, Forbidden, NotFound
from qa.core.records import CallSummary, UserInfo
from qa.db import users as user_store
from qa.db.engine import utcnow

ROLES = ("lead", "reviewer", "trainer", "operator")
LOCK_AFTER, LOCK_S = 5, 300.0
MIN_PASSWORD = 8
LOGIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")

# action -> the roles that may do it; "own" actions are also allowed to the operator the thing belongs to
RULES: dict[str, tuple[str, ...]] = {
    "calls.list": ("lead", "reviewer", "operator"),
    "call.view": ("lead", "reviewer"),
    "call.override": ("lead", "reviewer"),
    "call.swap_roles": ("lead", "reviewer"),
    "operator.view": ("lead", "reviewer"),
    "team.compare": ("lead", "reviewer", "operator"),
    "review.list": ("lead", "reviewer", "operator"),
    "review.view": ("lead", "reviewer"),
    "review.manage": ("lead", "reviewer"),
    "review.respond": (),  # acknowledge / dispute: only the operator the session is for
    "playlists.view": ("lead", "reviewer", "trainer", "operator"),  # new hires listen to the clips
    "playlists.manage": ("lead", "trainer"),
    "campaigns.view": ("lead", "reviewer"),
    "campaigns.manage": ("lead",),
    "shopper.entry": ("lead", "reviewer"),  # hand in / validate a shopper's entry
    "users.manage": ("lead",),
    "data.erase": ("lead",),  # a customer's erasure request; retention
    "export": ("lead", "reviewer"),
}
OWN = {"call.view", "operator.view", "review.view", "review.respond"}

__all__ = ["LOCK_AFTER", "ROLES", "RULES", "add_user", "allowed", "authenticate", "call_scope", "require",
           "require_call", "set_disabled", "set_password", "user"]


def allowed(user: UserInfo, action: str, *, owner: str | None = None) -> bool:
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}")
    if user.disabled:
        return False
    if user.role in RULES[action]:
        return True
    return action in OWN and user.role == "operator" and owner is not None and owner == user.operator_id


def require(user: UserInfo, action: str, *, owner: str | None = None) -> None:
    if not allowed(user, action, owner=owner):
        who = ", ".join(RULES[action]) or "nobody but the operator concerned"
        mine = " or the operator it belongs to" if action in OWN and RULES[action] else ""
        raise Forbidden(f"{user.login} ({user.role}) may not {action.replace('.', ' ').replace('_', ' ')}: "
                        f"only {who}{mine}")


def require_call(user: UserInfo, call: CallSummary) -> None:
    """May ``user`` open this call? An operator asking for someone else's call learns nothing about it (NotFound)."""
    if user.role == "operator" and call.operator_id != user.operator_id:
        raise NotFound(f"No call '{call.call_id}'. Use an id listed by `qa calls`.")
    require(user, "call.view", owner=call.operator_id)


def call_scope(user: UserInfo) -> str | None:
    """The operator whose calls ``user`` may list (None: all of them)."""
    require(user, "calls.list")
    return user.operator_id if user.role == "operator" else None


# ---------------------------------------------------------------- accounts


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher().hash(password)


def add_user(engine: Engine, *, login: str, role: str, actor: str, operator_id: str | None = None,
             password: str | None = None) -> UserInfo:
    if not LOGIN_RE.match(login):
        raise ConfigError(f"login {login!r}: use letters, digits, . _ @ - (up to 64, starting with a letter or digit)")
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if (role == "operator") != bool(operator_id):
        raise ConfigError("an operator's account names its operator (--operator OPERATOR_ID); other roles name none")
    hashed = _check_password(password) if password is not None else None
    return user_store.add_user(engine, login=login, role=role, operator_id=operator_id, password_hash=hashed, actor=actor)


def set_password(engine: Engine, *, login: str, password: str, actor: str) -> UserInfo:
    return user_store.update_user(engine, login=login, actor=actor, password_hash=_check_password(password))


def set_disabled(engine: Engine, *, login: str, disabled: bool, actor: str) -> UserInfo:
    return user_store.update_user(engine, login=login, actor=actor, disabled=disabled)


def user(engine: Engine, login: str) -> UserInfo:
    """The account acting (``--as`` / ``QA_USER`` in the CLI, the session in the web); disabled ones are refused."""
    info = user_store.get_user(engine, login=login)
    if info.disabled:
        raise Forbidden(f"account {login!r} is disabled; a lead can enable it again")
    return info


class LoginRefused(Forbidden):
    """Wrong login or password, a disabled or a locked account: the message never says which of the first two."""


def authenticate(engine: Engine, *, login: str, password: str, now: datetime | None = None) -> UserInfo:
    from argon2.exceptions import InvalidHashError, VerificationError

    now = now or utcnow()
    try:
        info, hashed, locked_until = user_store.password_hash(engine, login=login)
    except NotFound:
        _hasher().hash(password)  # the same work as a real check: the answer's timing says nothing about logins
        raise LoginRefused("wrong login or password") from None
    if locked_until is not None and locked_until > now:
        raise LoginRefused(f"too many failed logins: try again after {locked_until:%H:%M:%S} UTC")
    try:
        if hashed is None:
            raise VerificationError("no password")
        _hasher().verify(hashed, password)
    except (VerificationError, InvalidHashError):
        user_store.login_failed(engine, login=login, lock_after=LOCK_AFTER, lock_s=LOCK_S)
        raise LoginRefused("wrong login or password") from None
    if info.disabled:
        raise LoginRefused(f"account {login!r} is disabled")
    user_store.login_succeeded(engine, login=login)
    return info


def account_manager(engine: Engine, login: str | None) -> str:
    """Who may add or change accounts: on a database without any, whoever runs the command (it then creates the
    first lead); afterwards a lead's account (``--as LOGIN`` or ``QA_USER``). Returns the name for the audit trail."""
    if not user_store.list_users(engine):
        return login or "bootstrap"
    if not login:
        raise Forbidden("accounts exist: act as a lead (--as LOGIN or QA_USER=LOGIN) to manage them")
    actor = user(engine, login)
    require(actor, "users.manage")
    return actor.login


def first_account_check(engine: Engine, role: str) -> None:
    if not user_store.list_users(engine) and role != "lead":
        raise ConfigError("the first account must be a lead (--role lead): leads manage the other accounts")


def acting(engine: Engine, *, named: str | None, login: str | None, action: str, option: str = "--by NAME") -> str:
    """Who a CLI command acts as, for the audit trail.

    Without accounts (a single-user install) the name typed (``--by``/``--reviewer``/``--operator``) is taken as
    said. Once accounts exist, the command runs as an account (``--as LOGIN`` or ``QA_USER``) whose role must
    allow ``action``; a name typed beside it must be that account (an operator's: their operator id). Returns
    the login (an operator account: its operator id, which the review sessions record)."""
    if not user_store.list_users(engine):
        if not named:
            raise ConfigError(f"say who does this ({option}), or create accounts (`qa users add`) and use --as LOGIN")
        return named
    if not login:
        raise Forbidden("accounts exist: act as one with --as LOGIN or QA_USER=LOGIN (`qa users list`)")
    me = user(engine, login)
    name = me.operator_id if me.role == "operator" else me.login
    if named and named != name:
        raise Forbidden(f"{option.split()[0]} {named} while acting as {me.login} ({name}): "
                        "one account cannot act in another's name")
    require(me, action, owner=me.operator_id)
    return name

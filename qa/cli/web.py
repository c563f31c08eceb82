"""`qa serve` (the web UI) and `qa users` (the accounts that log in to it and that the CLI acts as)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated, Optional

import typer

from qa.cli.common import emit, engine, out, settings
from qa.core.errors import ConfigError

app = typer.Typer()
users = typer.Typer(help="Accounts: who logs in to `qa serve`, with which role (lead, reviewer, trainer, operator).",
                    no_args_is_help=True)
app.add_typer(users, name="users")

AsOpt = Annotated[Optional[str], typer.Option("--as", help="Act as this account (a lead); default QA_USER.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
) -> None:
    """Start the web UI on the configured database: log in with an account from `qa users add`."""
    import uvicorn

    from qa.web.app import create_app

    chosen = settings()
    app_ = create_app(chosen, engine(chosen))
    out.print(f"Serving {chosen.database_url} at http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False)


def _password(stdin: bool, prompt: str) -> str:
    if stdin:
        value = sys.stdin.readline().rstrip("\n")
        if not value:
            raise ConfigError("no password on standard input")
        return value
    first = getpass.getpass(prompt)
    if first != getpass.getpass("Again: "):
        raise ConfigError("the two passwords differ")
    return first


def _user_dict(u) -> dict:
    from qa.reports.serialize import record_dict

    return record_dict(u)


@users.command("add")
def users_add(
    login: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option(help="lead | reviewer | trainer | operator.")],
    operator: Annotated[Optional[str], typer.Option("--operator", help="For an operator: the operator id their calls carry.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")] = False,
    no_password: Annotated[bool, typer.Option("--no-password", help="A CLI-only account: it cannot log in to the web.")] = False,
    as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Create an account. The first one must be a lead; after that only a lead (--as) adds accounts."""
    from qa import access

    chosen = settings()
    db = engine(chosen)
    actor = access.account_manager(db, as_ or chosen.user)
    access.first_account_check(db, role)
    password = None if no_password else _password(password_stdin, f"Password for {login}: ")
    info = access.add_user(db, login=login, role=role, operator_id=operator, password=password, actor=actor)
    emit(as_json, info, _user_dict, lambda u: out.print(f"Added {u.login} ({u.role}{', ' + u.operator_id if u.operator_id else ''})"))


@users.command("list")
def users_list(as_json: JsonOpt = False) -> None:
    """The accounts, their roles and last logins (never a password)."""
    from qa.db.users import list_users

    found = list_users(engine())
    if as_json:
        from qa.cli.common import print_json

        print_json([_user_dict(u) for u in found])
        return
    from rich.table import Table

    table = Table("login", "role", "operator", "disabled", "last login")
    for u in found:
        table.add_row(u.login, u.role, u.operator_id or "", "yes" if u.disabled else "",
                      f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "")
    out.print(table)


@users.command("disable")
def users_disable(login: str, enable: Annotated[bool, typer.Option("--enable", help="Enable it again.")] = False,
                  as_: AsOpt = None) -> None:
    """Disable an account (its sessions end at the next request); --enable undoes it."""
    from qa import access

    chosen = settings()
    db = engine(chosen)
    info = access.set_disabled(db, login=login, disabled=not enable, actor=access.account_manager(db, as_ or chosen.user))
    out.print(f"{info.login} is {'disabled' if info.disabled else 'enabled'}")


@users.command("passwd")
def users_passwd(login: str, password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
                 as_: AsOpt = None) -> None:
    """Set an account's password (a lead, or the account itself with --as)."""
    from qa import access

    chosen = settings()
    db = engine(chosen)
    acting = as_ or chosen.user
    actor = acting if acting == login and acting else access.account_manager(db, acting)
    if actor == login:
        access.user(db, login)  # a disabled account cannot change its own password
    access.set_password(db, login=login, password=_password(password_stdin, f"New password for {login}: "), actor=actor)
    out.print(f"Password of {login} changed")

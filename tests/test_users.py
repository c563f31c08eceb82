"""`qa users` and acting as an account in the CLI: roles enforced by qa/access.py, the audit trail names the account."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli import app
from qa import access
from qa.core.errors import ConfigError, Forbidden, NotFound
from qa.db import human
from qa.db.engine import open_database
from tests.conftest import copy_sqlite

runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch, history_template):
    monkeypatch.setenv("QA_HOME", str(tmp_path))
    monkeypatch.delenv("QA_DB_URL", raising=False)
    monkeypatch.delenv("QA_USER", raising=False)
    copy_sqlite(history_template.sqlite, tmp_path / "qa.db")
    return tmp_path


def qa(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_accounts_are_added_by_a_lead_and_passwords_never_shown(home):
    refused = qa("users", "add", "rita", "--role", "reviewer", "--password-stdin", stdin="a long password\n")
    assert refused.exit_code == 1 and "first account must be a lead" in refused.output
    assert qa("users", "add", "boss", "--role", "lead", "--password-stdin", stdin="a long password\n").exit_code == 0
    nobody = qa("users", "add", "rita", "--role", "reviewer", "--password-stdin", stdin="a long password\n")
    assert nobody.exit_code == 1 and "--as LOGIN" in nobody.output
    ok = qa("users", "add", "anna", "--role", "operator", "--operator", "op-anna", "--as", "boss", "--password-stdin",
            stdin="another password\n")
    assert ok.exit_code == 0, ok.output
    short = qa("users", "add", "x", "--role", "reviewer", "--as", "boss", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "at least 8" in short.output
    listed = qa("users", "list", "--json")
    assert [u["login"] for u in __import__("json").loads(listed.output)] == ["anna", "boss"]
    assert "password" not in listed.output.replace("has_password", "")
    by_operator = qa("users", "add", "z", "--role", "reviewer", "--as", "anna", "--no-password")
    assert by_operator.exit_code == 1 and "may not users manage" in by_operator.output
    engine = open_database(f"sqlite:///{home / 'qa.db'}")
    assert access.authenticate(engine, login="anna", password="another password").operator_id == "op-anna"
    trail = human.audit_trail(engine, entity="user", entity_id="anna")
    assert [(e.actor, e.action) for e in trail][:1] == [("boss", "user.add")]
    assert "another password" not in str([e.details for e in trail])


def test_once_accounts_exist_review_commands_run_as_one_and_its_role_counts(home):
    engine = open_database(f"sqlite:///{home / 'qa.db'}")
    access.add_user(engine, login="boss", role="lead", password="a long password", actor="test")
    access.add_user(engine, login="anna", role="operator", operator_id="op-anna", password="a long password", actor="test")
    anonymous = qa("review", "open", "--operator", "op-anna", "--reviewer", "olga", "--lowest", "2")
    assert anonymous.exit_code == 1 and "act as one with --as" in anonymous.output
    impostor = qa("review", "open", "--operator", "op-anna", "--reviewer", "olga", "--lowest", "2", "--as", "boss")
    assert impostor.exit_code == 1 and "one account cannot act in another's name" in impostor.output
    operator = qa("review", "open", "--operator", "op-anna", "--lowest", "2", "--as", "anna")
    assert operator.exit_code == 1 and "may not review manage" in operator.output
    opened = qa("review", "open", "--operator", "op-anna", "--lowest", "2", "--as", "boss", "--json")
    assert opened.exit_code == 0, opened.output
    session = __import__("json").loads(opened.output)
    assert session["reviewer"] == "boss"
    sid = str(session["session_id"])
    assert qa("review", "close", sid, "--summary", "talked", "--as", "boss").exit_code == 0
    other = qa("review", "ack", sid, "--as", "boss")
    assert other.exit_code == 1 and "may not review respond" in other.output
    assert qa("review", "ack", sid, "--as", "anna").exit_code == 0
    actions = [(e.actor, e.action) for e in human.audit_trail(engine, entity="review", entity_id=int(sid))]
    assert ("boss", "review.close") in actions and ("op-anna", "review.acknowledge") in actions


def test_access_rules_in_one_place():
    from datetime import datetime

    from qa.core.records import CallSummary, UserInfo

    def who(role, operator=None, disabled=False):
        return UserInfo(role, role, operator, disabled, datetime(2026, 12, 1))

    call = CallSummary("c1", "a.wav", "done", None, "op-anna", None, None, None, None, None, 0)
    access.require_call(who("reviewer"), call)
    access.require_call(who("operator", "op-anna"), call)
    with pytest.raises(NotFound):
        access.require_call(who("operator", "op-boris"), call)
    with pytest.raises(Forbidden, match="may not call view"):
        access.require_call(who("trainer"), call)
    with pytest.raises(Forbidden):
        access.require(who("lead", disabled=True), "calls.list")
    assert access.call_scope(who("operator", "op-anna")) == "op-anna" and access.call_scope(who("lead")) is None
    with pytest.raises(KeyError):
        access.allowed(who("lead"), "no.such.action")
    with pytest.raises(ConfigError, match="unknown role"):
        access.add_user(None, login="x", role="admin", actor="t")

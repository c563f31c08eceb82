"""Roles and who may see / do what (coming).

One place decides: a function such as ``allowed(user, action, call) -> None`` that raises
``qa.core.errors.Forbidden`` with a message saying who may do it. The CLI and the web both call it, so an
operator sees only their own calls everywhere; the web turns ``Forbidden`` into 403 in ``qa.web.deps``.

Rules: imports ``qa.core`` (and reads ``qa.db`` through keyword-only functions if it needs the owner of a
call); never imports the CLI, the web or ``transcription``.
"""

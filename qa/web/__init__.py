"""The web UI (coming): a FastAPI app over the same library the CLI uses.

What will live here: ``app`` (the FastAPI application, created by a function, never at import), ``deps`` (typed
dependencies: the database session, the current user, ``require_own_call`` — the one ownership check, 403),
``routes/`` (thin routes: parse the request, call ``qa.review`` / ``qa.pipeline`` / ``qa.reports``, return one of
the shapes of ``qa.reports.serialize``), ``templates/`` and ``static/``.

Rules (import-linter, ``make test``): this is the top layer with ``qa.cli``: it may import ``qa.reports`` and
everything below, and nothing imports it; it never imports ``transcription``; who may see or do what is decided
by ``qa.access`` (the same function the CLI calls); ``QAError`` maps to 404/403/422 here, at the edge.
"""

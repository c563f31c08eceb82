"""The web UI: a FastAPI app over the same library the CLI uses (``qa serve``).

``app.create_app(settings)`` builds the application (never at import); ``deps`` holds what every route needs (the
database, the current account, the CSRF check, the language); ``routes/`` are thin (parse the request, ask
``qa.access``, call ``qa.review`` / ``qa.reports``, render a template of ``templates/`` or return a shape of
``qa.reports.serialize``); ``i18n`` is the one catalogue of UI strings (ru, en); ``static/`` the CSS and the
call page's script.

Rules (import-linter, ``make test``): below ``qa.cli`` (which starts it), above ``qa.reports`` and everything
under it; never imports ``transcription``; ``QAError`` maps to its ``http_status`` here, at the edge.
"""

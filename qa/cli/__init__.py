"""The `qa` command groups (the only code that prints): common (consoles, options, settings, JSON output),
calls, rubric, evaluate (eval, learn, learned), scorecard, review, calibrate; render builds the Rich tables,
progress the batch bars. ``cli.py`` registers the groups."""

__all__: list[str] = []

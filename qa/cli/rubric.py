"""``qa rubric validate|show``: check rubric files and list a rubric's criteria."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qa.cli import common
from qa.cli.common import JsonOpt, emit, err, out

app = typer.Typer(help="Validate and inspect rubrics (YAML in rubrics/).", no_args_is_help=True)


@app.command("validate")
def rubric_validate(files: Annotated[list[Path], typer.Argument(help="Rubric YAML files.")]) -> None:
    """Check rubric files: YAML, structure, criterion kinds and parameters (file:line on errors)."""
    from rich.markup import escape

    from qa.core.errors import QAError
    from scoring.rubric import load_rubric

    failed = False
    for f in files:
        try:
            r = load_rubric(f)
        except QAError as exc:  # every file is checked; each bad one is named
            err.print(f"[red]invalid[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            failed = True
        else:
            out.print(f"[green]ok[/] {escape(str(f))}: {r.id} v{r.version}, {len(r.criteria)} criteria, "
                      f"languages {', '.join(r.languages)}", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("show")
def rubric_show(
    rubric: Annotated[str, typer.Argument(help="Rubric id or YAML file.")] = "order_desk",
    as_json: JsonOpt = False,
) -> None:
    """List a rubric's sections and criteria with kinds, weights and critical flags."""
    from qa.cli.render import rubric_table
    from qa.reports.serialize import rubric_dict

    emit(as_json, common.rubric(common.settings(), rubric), rubric_dict, rubric_table)

"""``qa playlist``: trainers' playlists of clips — suggested from scored calls, ordered, listened to, exported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from qa.cli import common
from qa.cli.common import ActorOpt, AsOpt, JsonOpt, RubricOpt, emit

app = typer.Typer(
    help="Onboarding playlists of clips: suggest the best examples (or instructive failures) of a criterion from "
    "scored calls, build an ordered playlist with notes, let new hires mark clips as listened, export a folder "
    "with audio clips and a web page (personal data masked and muted by default).",
    no_args_is_help=True,
)

PlaylistArg = Annotated[int, typer.Argument(help="Playlist id (from `qa playlist list`).")]
ItemArg = Annotated[int, typer.Argument(help="Item id (the 'item' column of `qa playlist show`).")]


def _show(playlist, as_json: bool) -> None:
    from qa.cli.render import playlist_view
    from qa.reports.serialize import record_dict

    emit(as_json, playlist, record_dict, playlist_view)


@app.command()
def suggest(
    criterion: Annotated[str, typer.Option(help="The criterion to illustrate, e.g. upsell_after_order.")],
    top: Annotated[int, typer.Option(help="How many clips (at most one per call, several operators).")] = 5,
    failures: Annotated[bool, typer.Option("--failures", help="The most instructive failures instead of the best examples.")] = False,
    rubric: RubricOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Suggest clips for a criterion: passes confirmed by a person or with high confidence, clear audio, short,
    several operators, no near-duplicates. Each item: call id, start_s, end_s, reason.

    Example: qa playlist suggest --criterion upsell_after_order --top 5 --json
    """
    from qa.cli.render import suggestions_table
    from qa.reports.serialize import record_dict
    from qa.review.playlists import suggest as suggest_clips

    if not 1 <= top <= 100:
        raise typer.BadParameter("--top must be between 1 and 100")
    settings = common.settings()
    rubric_id = common.rubric(settings, rubric).id
    rows = suggest_clips(common.engine(settings), rubric_id=rubric_id, criterion_id=criterion, top=top,
                         kind="failures" if failures else "examples")
    emit(as_json, rows, record_dict, suggestions_table)


@app.command()
def create(
    title: Annotated[str, typer.Argument(help="The playlist's title, e.g. 'Upsell after the order'.")],
    audience: Annotated[Optional[str], typer.Option(help="Who it is for, e.g. 'new hires, week 1'.")] = None,
    purpose: Annotated[Optional[str], typer.Option(help="What they should learn from it.")] = None,
    by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Create an empty playlist."""
    from qa.db.playlists import create_playlist

    engine = common.engine()
    owner = common.actor(engine, by, as_, "playlists.manage")
    _show(create_playlist(engine, title=title, owner=owner, audience=audience, purpose=purpose), as_json)


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """List playlists with their clip counts."""
    from qa.cli.render import playlists_table
    from qa.db.playlists import list_playlists
    from qa.reports.serialize import record_dict

    emit(as_json, list_playlists(common.engine()), record_dict, playlists_table)


@app.command()
def show(playlist: PlaylistArg, as_json: JsonOpt = False) -> None:
    """A playlist's clips in order, with notes and who has listened to each."""
    from qa.db.playlists import load_playlist

    _show(load_playlist(common.engine(), playlist_id=playlist), as_json)


@app.command()
def add(
    playlist: PlaylistArg,
    call: Annotated[str, typer.Argument(help="Call id (or prefix / file name).")],
    criterion: Annotated[Optional[str], typer.Option(help="The criterion the clip illustrates; without --start/--end the clip is its evidence ± 15 s.")] = None,
    start: Annotated[Optional[float], typer.Option("--start", help="Clip start in seconds.")] = None,
    end: Annotated[Optional[float], typer.Option("--end", help="Clip end in seconds.")] = None,
    note: Annotated[Optional[str], typer.Option(help="What the listener should notice.")] = None,
    position: Annotated[Optional[int], typer.Option(help="Insert at this position (1 = first; default: last).")] = None,
    rubric: RubricOpt = None,
    by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Add a clip: a window of a call (--start/--end), or a criterion's evidence ± 15 s (--criterion).

    Example: qa playlist add 1 3f2a9c --criterion upsell_after_order --note "offers the case after the order"
    """
    from qa.review.playlists import add_clip

    settings = common.settings()
    engine = common.engine(settings)
    actor = common.actor(engine, by, as_, "playlists.manage")
    _show(add_clip(engine, playlist_id=playlist, call_ref=call, actor=actor, start_s=start, end_s=end,
                   criterion_id=criterion, rubric_id=common.rubric(settings, rubric).id, note=note,
                   position=position), as_json)


@app.command()
def move(
    playlist: PlaylistArg, item: ItemArg,
    position: Annotated[int, typer.Argument(help="The new position (1 = first).")],
    by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Move a clip to another position."""
    from qa.db.playlists import move_clip

    engine = common.engine()
    actor = common.actor(engine, by, as_, "playlists.manage")
    _show(move_clip(engine, playlist_id=playlist, item_id=item, position=position, actor=actor), as_json)


@app.command()
def remove(playlist: PlaylistArg, item: ItemArg, by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False) -> None:
    """Remove a clip from a playlist (the call itself is untouched)."""
    from qa.db.playlists import remove_clip

    engine = common.engine()
    actor = common.actor(engine, by, as_, "playlists.manage")
    _show(remove_clip(engine, playlist_id=playlist, item_id=item, actor=actor), as_json)


@app.command()
def listen(
    playlist: PlaylistArg, item: ItemArg,
    by: Annotated[Optional[str], typer.Option("--by", help="Who listened (a new hire's name); with accounts the account of --as.")] = None,
    as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Mark a clip as listened (the trainer sees who has heard what in `qa playlist show`)."""
    from qa.db.playlists import mark_listened

    engine = common.engine()
    login = common.actor(engine, by, as_, "playlists.view")
    _show(mark_listened(engine, playlist_id=playlist, item_id=item, login=login), as_json)


@app.command()
def export(
    playlist: PlaylistArg,
    folder: Annotated[Path, typer.Argument(help="A new or empty folder to write into.")],
    no_redact: Annotated[bool, typer.Option("--no-redact", help="Keep personal data (phones, cards, names...) in the text and audio.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite an earlier export in FOLDER.")] = False,
    by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Export audio clips (WAV), transcript snippets and an index.html with a player per clip.

    Personal data is masked in the snippets and muted in the audio unless --no-redact.
    Example: qa playlist export 1 ./onboarding-week1
    """
    from qa.cli.render import playlist_export_view
    from qa.reports.playlist import export_json, export_playlist

    engine = common.engine()
    actor = common.actor(engine, by, as_, "export" if no_redact else "playlists.manage")  # raw data: leads, reviewers
    exported = export_playlist(engine, playlist_id=playlist, folder=folder, actor=actor, redacted=not no_redact,
                               replace=replace)
    emit(as_json, exported, export_json, playlist_export_view)

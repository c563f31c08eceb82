"""A playlist exported to a folder a trainer can hand to new hires: one audio clip per item, its transcript snippet
and a self-contained ``index.html`` with a player per clip (relative links: the folder opens anywhere, offline).

Personal data is redacted by default (``qa.privacy``): the snippets are masked and the matching word spans are
muted in the clip, so a playlist can leave the QA team without leaking a customer's phone, card or name. A clip of
an imported transcript (no recording) gets its snippet only. ``playlist.json`` beside the page lists every clip with
its call id, window and the muted spans, for scripts.
"""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine

from qa.core.errors import ConfigError, NotFound, RecordingError
from qa.core.records import ClipInfo, PlaylistInfo, StoredCall
from qa.core.types import Transcript, Utterance
from qa.db import calls as call_store
from qa.db import human, playlists
from qa.ingest.audio import cut, decode, mute, write_audio
from qa.ingest.files import readable
from qa.privacy.redact import redact
from qa.reports.exports import clock

SAMPLE_RATE_HZ = 16000


@dataclass(frozen=True, slots=True)
class ExportedClip:
    position: int
    call_id: str
    start_s: float
    end_s: float
    audio: str | None  # path relative to the folder; None: the call has no recording here
    duration_s: float | None
    muted: tuple[tuple[float, float, str], ...]  # (start_s, end_s, kind), in the call's time
    snippet: tuple[Utterance, ...]
    note: str | None
    criterion_id: str | None
    problem: str | None = None  # why the audio is missing


@dataclass(frozen=True, slots=True)
class PlaylistExport:
    playlist: PlaylistInfo
    folder: Path
    redacted: bool
    clips: tuple[ExportedClip, ...]


def _snippet(transcript: Transcript, start_s: float, end_s: float) -> tuple[Utterance, ...]:
    return tuple(u for u in transcript.utterances if u.end_s > start_s and u.start_s < end_s)


def clip_samples(stored: StoredCall, clip: ClipInfo, spans: Sequence[tuple[float, float]]) -> np.ndarray:
    """The clip's window of the recording (mono, or channels × samples at :data:`SAMPLE_RATE_HZ`) with ``spans``
    (call time) muted."""
    source = Path(stored.source_path)
    if stored.summary.transcript_removed_at is not None:  # nothing left to find personal data in: never play it
        raise RecordingError("the call's transcript was removed (erasure or retention), so its personal data cannot "
                             "be found and muted; the clip is not played")
    if stored.summary.mode == "import" or stored.summary.audio_removed_at is not None or not source.is_file():
        raise RecordingError("no recording here (an imported transcript, a removed recording, or the file was moved)")
    audio = decode(source, sample_rate_hz=SAMPLE_RATE_HZ)
    inside = [(max(a, clip.start_s) - clip.start_s, min(b, clip.end_s) - clip.start_s)
              for a, b in spans if b > clip.start_s and a < clip.end_s]
    channels = [mute(cut(ch, SAMPLE_RATE_HZ, clip.start_s, clip.end_s), SAMPLE_RATE_HZ, inside) for ch in audio.channels]
    return np.stack(channels) if len(channels) > 1 else channels[0]


def _clip_audio(stored: StoredCall, clip: ClipInfo, spans: list[tuple[float, float]], target: Path) -> float:
    """Cut, mute and write ``target``; returns its duration."""
    samples = clip_samples(stored, clip, spans)
    write_audio(target, samples, SAMPLE_RATE_HZ)
    return samples.shape[-1] / SAMPLE_RATE_HZ


def redacted_clip(engine: Engine, clip: ClipInfo, redacted: bool = True
                  ) -> tuple[StoredCall, tuple[Utterance, ...], tuple[tuple[float, float, str], ...]]:
    """The call, the clip's transcript snippet and the spans to mute (both masked unless ``redacted`` is off)."""
    stored = call_store.load_call(engine, call_id=clip.call_id)
    transcript, muted = stored.transcript, ()
    if redacted:
        result = redact(transcript)
        transcript = result.transcript
        muted = tuple((m.start_s, m.end_s, m.kind) for m in result.spans
                      if m.end_s > clip.start_s and m.start_s < clip.end_s)
    return stored, _snippet(transcript, clip.start_s, clip.end_s), muted


def clip_wav(engine: Engine, *, playlist_id: int, item_id: int, redacted: bool = True) -> bytes:
    """One clip as WAV bytes, personal data muted: what the web plays to a trainer (the window, never the call)."""
    import tempfile

    clip = next((c for c in playlists.load_playlist(engine, playlist_id=playlist_id).items if c.item_id == item_id),
                None)
    if clip is None:
        raise NotFound(f"playlist {playlist_id} has no item {item_id}")
    stored, _, muted = redacted_clip(engine, clip, redacted)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "clip.wav"
        write_audio(target, clip_samples(stored, clip, [(a, b) for a, b, _ in muted]), SAMPLE_RATE_HZ)
        return target.read_bytes()


def _export_clip(engine: Engine, clip: ClipInfo, folder: Path, redacted: bool) -> ExportedClip:
    stored, snippet, muted = redacted_clip(engine, clip, redacted)
    name = f"clips/{clip.position:02d}-{clip.call_id[:8]}.wav"
    audio, duration, problem = None, None, None
    try:
        duration = _clip_audio(stored, clip, [(a, b) for a, b, _ in muted], folder / name)
        audio = name
    except RecordingError as exc:
        problem = str(exc)
    return ExportedClip(position=clip.position, call_id=clip.call_id, start_s=clip.start_s, end_s=clip.end_s,
                        audio=audio, duration_s=duration, muted=muted, snippet=snippet, note=clip.note,
                        criterion_id=clip.criterion_id, problem=problem)


def export_playlist(engine: Engine, *, playlist_id: int, folder: Path, actor: str, redacted: bool = True,
                    replace: bool = False) -> PlaylistExport:
    """Write the playlist's clips, ``index.html`` and ``playlist.json`` into ``folder`` (created; an existing
    non-empty folder only with ``replace``, which removes what an earlier export wrote there)."""
    playlist = playlists.load_playlist(engine, playlist_id=playlist_id)
    if not playlist.items:
        raise ConfigError(f"playlist {playlist_id} has no clips yet; add some (qa playlist add {playlist_id} CALL ...)")
    _prepare(folder, replace)
    clips = tuple(_export_clip(engine, clip, folder, redacted) for clip in playlist.items)
    exported = PlaylistExport(playlist=playlist, folder=folder, redacted=redacted, clips=clips)
    (folder / "index.html").write_text(playlist_html(exported), encoding="utf-8")
    (folder / "playlist.json").write_text(json.dumps(export_json(exported), ensure_ascii=False, indent=2),
                                          encoding="utf-8")
    human.record_event(engine, actor=actor, action="playlist.export", entity="playlist", entity_id=str(playlist_id),
                       details={"clips": len(clips), "redacted": redacted})
    return exported


def _prepare(folder: Path, replace: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{readable(folder)} is a file; give a folder to export into")
    if folder.is_dir() and any(folder.iterdir()):
        ours = (folder / "playlist.json").is_file()
        if not (replace and ours):
            hint = " (add --replace to overwrite an earlier export)" if ours else "; give a new or empty folder"
            raise ConfigError(f"{readable(folder)} is not empty{hint}")
        shutil.rmtree(folder / "clips", ignore_errors=True)
    try:
        (folder / "clips").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {readable(folder)}: {exc.strerror or exc}") from exc


def export_json(exported: PlaylistExport) -> dict:
    p = exported.playlist
    return {
        "playlist_id": p.playlist_id, "title": p.title, "audience": p.audience, "purpose": p.purpose,
        "redacted": exported.redacted,
        "clips": [{
            "position": c.position, "call_id": c.call_id, "start_s": c.start_s, "end_s": c.end_s,
            "criterion_id": c.criterion_id, "note": c.note, "audio": c.audio, "duration_s": c.duration_s,
            "problem": c.problem,
            "muted": [{"start_s": a, "end_s": b, "kind": k} for a, b, k in c.muted],
            "snippet": [{"role": u.role.value, "start_s": u.start_s, "end_s": u.end_s, "text": u.text}
                        for u in c.snippet],
        } for c in exported.clips],
    }


_STYLE = """body{font:15px/1.45 system-ui,sans-serif;max-width:900px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}.meta{color:#666}.clip{border:1px solid #ddd;border-radius:8px;padding:1em;margin:1em 0}
.clip h2{font-size:1.1em;margin:0 0 .4em}audio{width:100%}.u{margin:.2em 0}.t{color:#888;font-variant-numeric:tabular-nums}
.agent{color:#0b5394}.customer{color:#6a329f}.note{background:#fff8dc;padding:.4em .6em;border-radius:4px}
.missing{color:#a00}.red{color:#666;font-size:.9em}"""


def playlist_html(exported: PlaylistExport) -> str:
    p, e = exported.playlist, html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(p.title)}</title><style>{_STYLE}</style>"
             f"</head><body><h1>{e(p.title)}</h1>",
             f"<p class='meta'>{e(p.audience or '')}{' · ' if p.audience and p.purpose else ''}{e(p.purpose or '')}</p>"]
    if exported.redacted:
        parts.append("<p class='red'>Personal data is masked in the text and muted in the audio.</p>")
    for c in exported.clips:
        title = f"{c.position}. {e(c.criterion_id or 'clip')} — {clock(c.start_s)}–{clock(c.end_s)}"
        parts.append(f"<section class='clip' id='clip-{c.position}'><h2>{title}</h2>")
        if c.note:
            parts.append(f"<p class='note'>{e(c.note)}</p>")
        if c.audio:
            parts.append(f"<audio controls preload='metadata' src='{e(c.audio)}'></audio>")
        else:
            parts.append(f"<p class='missing'>No audio: {e(c.problem or '')}</p>")
        for u in c.snippet:
            parts.append(f"<p class='u'><span class='t'>[{clock(u.start_s)}]</span> "
                         f"<b class='{e(u.role.value)}'>{e(u.role.value)}</b>: {e(u.text)}</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)

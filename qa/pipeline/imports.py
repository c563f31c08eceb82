"""Import calls transcribed elsewhere (the interchange format, :mod:`qa.ingest.interchange`).

Each file is identified by the hash of its bytes, so importing the same file
twice changes nothing; a changed file with the same ``call_id`` is a new version
that supersedes the stored one. Gold ``labels`` are kept as human labels (source
``import``) for calibration and learned criteria; ``outcome`` is kept too.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from qa.core.errors import NotFound, StorageError, TranscriptFormatError
from qa.core.types import ImportedCall
from qa.ingest.files import readable
from qa.ingest.interchange import read_interchange
from transcription.features import compute_features

log = logging.getLogger(__name__)


def read_labeled(path: Path) -> ImportedCall:
    """An interchange file with its timing features computed from the utterances."""
    call = read_interchange(path)
    return replace(call, features=compute_features(call.transcript.utterances, call.duration_s))


class ImportResult(NamedTuple):
    path: str
    status: str  # imported | skipped | failed
    call_id: str | None
    detail: str


def import_files(engine: Engine, paths: list[Path], rubric=None) -> list[ImportResult]:
    """Import every ``*.json`` given (folders recursively); one bad file does not stop the rest.

    The same file again changes nothing. A new version of a transcript already stored (the same ``call_id``,
    other content) replaces it: the old call is kept, marked superseded (left out of listings, scorecards,
    review picks and re-scoring) with its human verdicts; the new file's gold labels are imported as usual."""
    from qa.db import scores

    if rubric is not None:  # an edited rubric file without a new version is refused before any import
        scores.check_rubric(engine, rubric_id=rubric.id, version=rubric.version, sha256=rubric.sha256)
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(p.rglob("*.json")) if p.is_dir() else [p])
    if not files:
        raise NotFound(f"no transcripts to import: no *.json files in {', '.join(readable(p) for p in paths)}")
    results: list[ImportResult] = []
    for path in files:
        try:
            call = read_labeled(path)
        except TranscriptFormatError as exc:
            results.append(ImportResult(readable(path), "failed", None, readable(str(exc))))
            continue
        except Exception as exc:  # a bug must not stop the other files; the log has the traceback
            log.error("cannot import %s", readable(path), exc_info=exc)
            results.append(ImportResult(readable(path), "failed", None,
                                        f"internal error reading this file ({type(exc).__name__}: {readable(str(exc))[:200]})"))
            continue
        try:
            results.append(_store(engine, path, call, rubric))
        except OperationalError as exc:  # disk full, read-only, locked: what is stored stays, each call whole
            done = sum(r.status == "imported" for r in results)
            raise StorageError(
                f"could not store {readable(path.name)}: {exc.orig or exc}. Free disk space or fix the database, then "
                f"import again: the {done} file(s) imported before it are kept and will be skipped"
            ) from exc
    return results


def _store(engine: Engine, path: Path, call: ImportedCall, rubric) -> ImportResult:
    """Store one read transcript (and score it with ``rubric``) unless the same content is stored already."""
    from qa.core.types import call_id_for
    from qa.db import calls

    call_id = call_id_for(call.sha256)
    status = calls.call_status(engine, call_id=call_id)
    if status == "done":
        return ImportResult(readable(path), "skipped", call_id, "already imported")
    if status == calls.SUPERSEDED:
        return ImportResult(readable(path), "skipped", call_id, "already imported, and replaced since by a newer version")
    older = [cid for cid in calls.current_versions(engine, external_id=call.external_id) if cid != call_id]
    calls.save_imported(engine, call=call, call_id=call_id, batch_id=None, supersedes=older)
    if rubric is not None:
        from qa.pipeline.rescore import score_and_store

        score_and_store(engine, call_id, call.transcript, call.features, rubric)
    detail = f"{len(call.transcript.utterances)} utterances"
    if older:
        detail += f"; replaces the earlier version {', '.join(older)} of {call.external_id}"
    return ImportResult(readable(path), "imported", call_id, detail)

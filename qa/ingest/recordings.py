"""Stage 1: ingest. Identify a recording by content hash, then decode it.

All audio goes through :func:`decode` (PyAV, i.e. FFmpeg's decoders, shipped
inside the ``av`` wheel): WAV, FLAC, MP3, OGG/Opus, M4A/AAC and anything else
FFmpeg reads. The container is probed by content, so a file with a wrong
extension still decodes. Errors are :class:`RecordingError` with a reason a QA
lead understands.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from qa.core.errors import RecordingError
from qa.core.types import Recording
from qa.ingest.files import not_regular

AUDIO_EXTENSIONS = frozenset({
    ".wav", ".flac", ".mp3", ".ogg", ".opus", ".oga", ".m4a", ".aac", ".wma", ".amr", ".gsm", ".au", ".aif", ".aiff",
    ".mp4", ".webm", ".mkv", ".mov", ".3gp",  # video containers: their audio track is the call
})


def identify(path: Path) -> Recording:
    """Hash a file's bytes; raise RecordingError when it cannot be read or is empty."""
    try:
        info = path.stat()  # follows symlinks; never opens, so a FIFO or a device cannot block us
        kind = not_regular(info.st_mode)
        if kind is not None:
            raise RecordingError(f"is {kind}, not a regular file; only regular files are read (copy the recording into a file)")
        size = info.st_size
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError as exc:
        raise RecordingError("file not found (moved or deleted during the batch?)") from exc
    except PermissionError as exc:
        raise RecordingError("cannot read the file: permission denied (check its owner and mode)") from exc
    except IsADirectoryError as exc:
        raise RecordingError("is a directory, not a recording") from exc
    except OSError as exc:
        raise RecordingError(f"cannot read the file: {exc.strerror or exc}") from exc
    if size == 0:
        raise RecordingError("file is empty (0 bytes): the telephony export probably failed")
    return Recording(path=path, sha256=digest.hexdigest(), size_bytes=size)


def find_recordings(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Expand files and folders (recursively). Returns (candidates, ignored).

    Files named explicitly are always candidates (a wrong extension is probed
    by content); inside folders only audio extensions are taken. Anything with
    an audio extension that is not a regular file (a FIFO, a symlink to a
    device or to nowhere) is a candidate too, so :func:`identify` reports it
    instead of it silently missing or blocking the batch.
    """
    found: list[Path] = []
    ignored: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_symlink() or not p.is_dir()):
                if child.name.startswith("."):
                    continue
                (found if child.suffix.lower() in AUDIO_EXTENSIONS else ignored).append(child)
        else:
            found.append(path)
    seen: set[str] = set()
    unique = []
    for p in found:
        real = os.path.realpath(p)  # unlike Path.resolve, never raises on a symlink loop
        if real not in seen:
            seen.add(real)
            unique.append(p)
    return unique, ignored

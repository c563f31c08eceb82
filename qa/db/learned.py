"""Learned criterion models: versions, files and their sha256 (``qa learn``)."""

from __future__ import annotations

import json

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.records import LearnedModelInfo
from qa.db import tables as t
from qa.db.convert import learned_model_info
from qa.db.engine import utcnow
from qa.db.human import add_audit


def next_model_version(engine: Engine, *, criterion_id: str) -> int:
    with Session(engine) as s:
        newest = s.exec(select(func.max(t.LearnedModel.version)).where(t.LearnedModel.criterion_id == criterion_id)).one()
        return int(newest or 0) + 1


def save_model(engine: Engine, *, criterion_id: str, version: int, path: str, sha256: str, n_train: int, metrics: dict) -> None:
    with Session(engine) as s, s.begin():
        now = utcnow()
        s.add(t.LearnedModel(criterion_id=criterion_id, version=version, path=path, sha256=sha256, trained_at=now,
                             n_train=n_train, metrics=json.dumps(metrics, ensure_ascii=False)))
        add_audit(s, actor="qa learn", action="model.train", entity="model", entity_id=f"{criterion_id}-v{version}",
                  at=now, details={"sha256": sha256, "n_train": n_train})


def list_models(engine: Engine) -> list[LearnedModelInfo]:
    """Every trained model, by criterion and version."""
    with Session(engine) as s:
        rows = s.exec(select(t.LearnedModel).order_by(t.LearnedModel.criterion_id, t.LearnedModel.version)).all()
        return [learned_model_info(r) for r in rows]

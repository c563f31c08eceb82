"""Built-in criterion kinds, one module per family; importing this package registers them all.

Lexicons are per language ({ru: [...], uk: [...], en: [...]}) and live in the rubric YAML;
patterns follow scoring/patterns.py; the engine's own words are in scoring/lang/.
:mod:`scoring.rubric` imports this package once, so every built-in kind is known
before a rubric is validated. A new family is a new module here, listed below.
"""

from __future__ import annotations

from scoring.criteria import (
    confirmation,
    discovery,
    greeting,
    hold,
    judge,
    learned,
    listening,
    metric,
    nps,
    phrase,
    upsell,
)

FAMILIES = (phrase, greeting, discovery, listening, confirmation, upsell, hold, nps, metric, learned, judge)

__all__ = ["FAMILIES"]

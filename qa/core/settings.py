"""All configuration is read here, once, from ``QA_*`` environment variables.

Everything else receives a ``Settings`` object (or values taken from it)
explicitly; no module reads the environment on its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ASR_MODEL = "bundled:whisper-base"


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "callqa"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Data directory (database, assembled models).")
    db_url: str | None = Field(default=None, description="SQLAlchemy URL; default sqlite:///$QA_HOME/qa.db.")
    asr_model: str = Field(
        default=DEFAULT_ASR_MODEL,
        description="'bundled:whisper-base', a CTranslate2 Whisper directory, or a faster-whisper model name.",
    )
    asr_compute_type: str = "int8"
    asr_beam_size: int = 5
    cpu_threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    language: Literal["auto", "ru", "uk", "en"] = "auto"
    languages: str = Field(default="ru,uk,en", description="Languages 'auto' may pick from.")
    agent_channel: Literal["left", "right"] = "left"
    max_duration_s: float = Field(default=4 * 3600, description="Longer recordings are refused.")
    rubric: str = Field(default="order_desk", description="Rubric id (in rubrics/) or YAML file used to score calls.")
    diarization_threshold: float = Field(default=0.7, description="pyannote centroid clustering threshold for the CAM++ embedding.")

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.home / 'qa.db'}"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def allowed_languages(self) -> tuple[str, ...]:
        return tuple(x.strip() for x in self.languages.split(",") if x.strip())


def load_settings(**overrides: object) -> Settings:
    """Read the environment; explicit overrides (from CLI flags) win."""
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings


def quiet_third_parties() -> None:
    """Keep pyannote and the model hub offline and silent (no telemetry, no downloads)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

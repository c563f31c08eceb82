"""All configuration is read here, once, from ``QA_*`` environment variables.

Everything else receives a ``Settings`` object (or values taken from it)
explicitly; no module reads the environment on its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, get_args, get_origin

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa.core.errors import ConfigError

DEFAULT_ASR_MODEL = "bundled:whisper-base"
# CTranslate2's compute types (faster-whisper passes the setting through)
COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16",
                 "bfloat16", "float32")
# what each setting accepts, for the one-line error a mistyped value gets (Literal fields list their choices)
ALLOWED = {
    "max_duration_s": "a number of seconds above 0 and at most 172800, e.g. 14400 for 4 hours (no units)",
    "asr_beam_size": "a whole number from 1 to 20 (5 is the default)",
    "cpu_threads": "a whole number from 1 to 1024",
    "diarization_threshold": "a number above 0 and below 2 (0.7 is the default)",
    "languages": "a comma-separated list of ru, uk, en, e.g. ru,uk",
    "home": "a folder path",
}


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "callqa"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Data directory (database, assembled models).")
    db_url: str | None = Field(default=None, description="SQLAlchemy URL; default sqlite:///$QA_HOME/qa.db.")
    asr_model: str = Field(
        default=DEFAULT_ASR_MODEL,
        description="'bundled:whisper-base', a CTranslate2 Whisper directory, or a faster-whisper model name; with "
                    "QA_ASR_BACKEND=onnx, the folder of an onnx-asr model.",
    )
    asr_backend: Literal["whisper", "onnx"] = Field(
        default="whisper", description="whisper (faster-whisper, CTranslate2) or onnx (onnx-asr: GigaAM, T-one... from a folder).")
    asr_onnx_model: str = Field(default="gigaam-v3-ctc", min_length=1, max_length=200,
                                description="With QA_ASR_BACKEND=onnx: the onnx-asr model type of the QA_ASR_MODEL folder.")
    device: Literal["cpu", "cuda"] = Field(default="cpu", description="Where the models run: cpu, or cuda (a GPU torch and CTranslate2 can see).")
    asr_compute_type: Literal[COMPUTE_TYPES] = "int8"  # type: ignore[valid-type]
    asr_beam_size: int = Field(default=5, ge=1, le=20)
    cpu_threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1, le=1024)
    language: Literal["auto", "ru", "uk", "en"] = "auto"
    languages: str = Field(default="ru,uk,en", description="Languages 'auto' may pick from.")
    agent_channel: Literal["left", "right"] = "left"
    max_duration_s: float = Field(default=4 * 3600, gt=0, le=48 * 3600, allow_inf_nan=False, description="Longer recordings are refused.")
    rubric: str = Field(default="order_desk", description="Rubric id (in rubrics/) or YAML file used to score calls.")
    diarization_threshold: float = Field(default=0.7, gt=0, lt=2, allow_inf_nan=False, description="pyannote centroid clustering threshold for the CAM++ embedding.")

    retention_audio_days: int | None = Field(default=None, ge=1, le=36500, description="`qa retention apply` deletes recordings older than this many days (unset: kept).")
    retention_transcript_days: int | None = Field(default=None, ge=1, le=36500, description="... removes transcripts and quotes older than this (scores and timings stay).")
    retention_clips_days: int | None = Field(default=None, ge=1, le=36500, description="... removes playlist clips added longer ago than this.")

    user: str | None = Field(default=None, description="The account the CLI acts as (`qa users`); --as LOGIN wins.")
    web_secret: str | None = Field(default=None, min_length=32, description="Key that signs web session cookies; default: a random one kept in $QA_HOME/web-secret.")
    session_ttl_s: int = Field(default=8 * 3600, ge=60, le=30 * 24 * 3600, description="A web login lasts this long.")
    secure_cookies: bool = Field(default=False, description="Send the session cookie over HTTPS only (set it behind a TLS proxy).")

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: str) -> str:
        chosen = [x.strip() for x in value.split(",") if x.strip()]
        if not chosen or any(x not in ("ru", "uk", "en") for x in chosen):
            raise ValueError("not a list of ru, uk, en")
        return value

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.home / 'qa.db'}"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def allowed_languages(self) -> tuple[str, ...]:
        return tuple(x.strip() for x in self.languages.split(",") if x.strip())


def _invalid(exc: ValidationError, overrides: dict[str, object]) -> ConfigError:
    """The first bad setting as one line: which variable (or option), the value given, what it accepts."""
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "?"
    name = f"--{field.replace('_', '-')}" if field in overrides else f"QA_{field.upper()}"
    info = Settings.model_fields.get(field)
    choices = get_args(info.annotation) if info is not None and get_origin(info.annotation) is Literal else ()
    allowed = f"one of {', '.join(map(str, choices))}" if choices else ALLOWED.get(field, first["msg"].lower())
    return ConfigError(f"{name}={first.get('input')!r} is not valid: use {allowed}")


def load_settings(**overrides: object) -> Settings:
    """Read the environment; explicit overrides (from CLI flags) win. A bad value is one ConfigError at start."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = Settings(**given)
    except ValidationError as exc:
        raise _invalid(exc, given) from None
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"QA_HOME={str(settings.home)!r}: cannot create the data folder ({exc.strerror or exc}); "
                          "set QA_HOME to a folder you can write") from exc
    return settings


def quiet_third_parties() -> None:
    """Keep pyannote and the model hub offline and silent (no telemetry, no downloads)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

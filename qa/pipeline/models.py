"""``qa models``: the models the pipeline runs, assembled where needed, and where they live.

Only ``qa.pipeline`` imports ``transcription``; the CLI asks here.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.core.settings import Settings
from qa.pipeline.processor import PipelineOptions

__all__ = ["ModelInfo", "model_inventory"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    stage: str  # ASR | segmentation | speaker embedding
    model: str
    location: str


def model_inventory(settings: Settings) -> list[ModelInfo]:
    """Every model in use, with its path; the bundled Whisper model is joined and verified on first use."""
    from transcription import models

    options = PipelineOptions.from_settings(settings)
    bundled = options.asr_model.startswith("bundled:") and options.asr_backend == "whisper"
    asr = models.bundled_whisper_dir(settings.models_dir) if bundled else options.asr_model
    return [
        ModelInfo("ASR", options.asr_model_label, str(asr)),
        ModelInfo("segmentation", "pyannote segmentation-3.0", str(models.segmentation_checkpoint())),
        ModelInfo("speaker embedding", "3D-Speaker CAM++ (zh/en common)", str(models.campplus_files()[1])),
    ]

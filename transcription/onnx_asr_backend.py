"""Stage 4, another engine: ONNX speech models through ``onnx-asr`` (GigaAM v2/v3, T-one, NeMo, Vosk...).

For users who have such weights on disk. Published Russian call-centre WER is about 9-10 % for GigaAM v3 and
T-one against 19-23 % for Whisper large-v3, but no package index ships their weights, so the bundled Whisper base
stays the default (``QA_ASR_BACKEND=whisper``). With ``QA_ASR_BACKEND=onnx``, ``QA_ASR_MODEL`` is the folder
holding the model's files and ``QA_ASR_ONNX_MODEL`` its onnx-asr type (``gigaam-v3-ctc`` by default).

The folder is checked before onnx-asr sees it: given a folder that does not exist, onnx-asr would try the model
hub, which this product never contacts. Speech regions come from Silero (as for Whisper); each group of regions
of at most ``max_chunk_s`` is recognised in one call, and onnx-asr's token timestamps become word timings.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.core.errors import ModelError
from qa.core.hooks import Hook, StageProgress
from qa.core.types import AsrResult, AsrSegment, Word
from transcription.diarize import SpeechStamps, VadOptions, speech_stamps

log = logging.getLogger(__name__)

RATE_HZ = 16000
WORD_BREAKS = (" ", "\u2581")  # SentencePiece's "▁" starts a word, as a space does in decoded tokens
# the files each kind needs, for the message when the folder holds something else
EXPECTED_FILES = {
    "gigaam": "v3_ctc.onnx (or v2_/v3_rnnt encoder and decoder files) and v3_vocab.txt",
    "t-one": "model.onnx and its vocabulary",
    "nemo": "model.onnx (or encoder/decoder .onnx files) and vocab.txt",
    "vosk": "am/encoder.onnx, decoder, joiner and lang/tokens.txt",
}


@dataclass(frozen=True, slots=True)
class OnnxOptions:
    model_dir: Path
    model_type: str = "gigaam-v3-ctc"  # onnx-asr's model name or type
    language: str = "ru"  # the language the model was trained on (GigaAM and T-one: Russian)
    cpu_threads: int = 2
    device: str = "cpu"  # cpu | cuda (onnxruntime's CUDA provider)
    quantization: str | None = None  # e.g. "int8" when the folder holds *.int8.onnx files
    max_chunk_s: float = 20.0  # GigaAM CTC was trained on utterances of up to ~25 s
    vad: VadOptions = field(default_factory=VadOptions)


def _expected(model_type: str) -> str:
    return next((files for kind, files in EXPECTED_FILES.items() if kind in model_type.lower()), "the model's .onnx files")


def load_onnx_model(options: OnnxOptions) -> Any:
    """onnx-asr's recogniser with token timestamps, or a :class:`ModelError` saying what to fix."""
    folder = Path(options.model_dir)
    if not folder.is_dir():
        raise ModelError(
            f"QA_ASR_MODEL={str(folder)!r} is not a folder: with QA_ASR_BACKEND=onnx give the folder that holds the "
            f"{options.model_type} files ({_expected(options.model_type)})"
        )
    try:
        import onnx_asr
        import onnxruntime
    except ImportError as exc:
        raise ModelError(f"the onnx ASR backend needs onnx-asr and onnxruntime ({exc.name} is missing): "
                         "pip install '.[onnx]'") from exc
    sess = onnxruntime.SessionOptions()
    sess.intra_op_num_threads = options.cpu_threads
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if options.device == "cuda" else ["CPUExecutionProvider"]
    try:
        model = onnx_asr.load_model(options.model_type, folder, quantization=options.quantization,
                                    sess_options=sess, providers=providers)
    except onnx_asr.utils.ModelNotSupportedError as exc:
        raise ModelError(f"QA_ASR_ONNX_MODEL={options.model_type!r}: {exc} Use an onnx-asr model name or type, "
                         "e.g. gigaam-v3-ctc, gigaam-v3-rnnt, t-one-ctc, nemo-conformer-ctc") from exc
    except (onnx_asr.utils.ModelLoadingError, OSError, ValueError, RuntimeError) as exc:
        raise ModelError(f"cannot load the {options.model_type} model from {folder}: {exc} "
                         f"(expected {_expected(options.model_type)})") from exc
    return model.with_timestamps()


def words_from_tokens(tokens: Sequence[str], timestamps: Sequence[float], logprobs: Sequence[float] | None,
                      *, offset_s: float, end_s: float) -> tuple[Word, ...]:
    """Token-level output -> words. A token that begins with a space or "▁" starts a word (GigaAM's character
    vocabulary has the space as a token of its own); a word lasts until the next word starts (or ``end_s``); its
    probability is the geometric mean over its tokens, comparable with Whisper's word probabilities."""
    words: list[list] = []  # [start_s, text, summed logprob, tokens]
    for i, token in enumerate(tokens):
        logprob = float(logprobs[i]) if logprobs is not None and i < len(logprobs) else 0.0
        text = token.lstrip("".join(WORD_BREAKS))
        if not words or token[:1] in WORD_BREAKS:
            words.append([offset_s + float(timestamps[i]), text, logprob if text else 0.0, 1 if text else 0])
        elif text:
            words[-1][1] += text
            words[-1][2] += logprob
            words[-1][3] += 1
    words = [w for w in words if w[1]]
    out = []
    for i, (start, text, logprob, n) in enumerate(words):
        stop = words[i + 1][0] if i + 1 < len(words) else end_s
        probability = math.exp(min(logprob / max(n, 1), 0.0))
        out.append(Word(round(start, 3), round(max(stop, start + 0.02), 3), " " + text, round(probability, 4)))
    return tuple(out)


def _groups(stamps: SpeechStamps, max_samples: int) -> list[tuple[int, int]]:
    """Consecutive speech regions joined while the span stays within ``max_samples``; longer regions are cut."""
    groups: list[tuple[int, int]] = []
    for s in stamps:
        start, end = int(s["start"]), int(s["end"])
        while end - start > max_samples:
            groups.append((start, start + max_samples))
            start += max_samples
        if groups and end - groups[-1][0] <= max_samples:
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return groups


class OnnxTranscriber:
    """Honours ``qa.pipeline.processor.Transcriber`` with an onnx-asr model (``model``: injected in tests)."""

    def __init__(self, options: OnnxOptions, *, model: Any = None) -> None:
        self.options = options
        self._model = model if model is not None else load_onnx_model(options)

    def detect_language(self, samples: np.ndarray, allowed: Sequence[str], speech: SpeechStamps | None = None) -> tuple[str, float | None]:
        """These models know one language (GigaAM, T-one: Russian); there is nothing to detect."""
        language = self.options.language
        if language not in allowed:
            raise ModelError(f"the {self.options.model_type} model recognises {language} only, which is not among "
                             f"the allowed languages ({', '.join(allowed)}): set QA_LANGUAGES or use the Whisper backend")
        return language, None

    def __call__(self, samples: np.ndarray, *, language: str, speech: SpeechStamps | None = None,
                 hook: Hook | None = None) -> AsrResult:
        stamps = speech_stamps(samples, RATE_HZ, self.options.vad) if speech is None else speech
        duration_s = len(samples) / RATE_HZ
        segments = []
        for start, end in _groups(stamps, int(self.options.max_chunk_s * RATE_HZ)):
            result = self._model.recognize(np.ascontiguousarray(samples[start:end], dtype=np.float32), sample_rate=RATE_HZ)
            words = words_from_tokens(result.tokens or [], result.timestamps or [], result.logprobs,
                                      offset_s=start / RATE_HZ, end_s=end / RATE_HZ)
            if words:
                logprobs = result.logprobs or [0.0]
                segments.append(AsrSegment(
                    start_s=words[0].start_s, end_s=words[-1].end_s, text="".join(w.text for w in words).strip(),
                    words=words, avg_logprob=float(np.mean(logprobs)), no_speech_prob=0.0, compression_ratio=1.0,
                ))
            if hook is not None:
                hook(StageProgress("transcribe", completed=min(end / RATE_HZ, duration_s), total=duration_s, unit="s"))
        if hook is not None:  # the silence after the last region is done too
            hook(StageProgress("transcribe", completed=duration_s, total=duration_s, unit="s"))
        return AsrResult(segments=tuple(segments), language=language, language_probability=1.0)  # one-language model


__all__ = ["OnnxOptions", "OnnxTranscriber", "load_onnx_model", "words_from_tokens"]

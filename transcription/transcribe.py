"""Stage 4: speech to text with faster-whisper, plus a hallucination guard.

:class:`Transcriber` loads the CTranslate2 Whisper model once and is called on
many audio streams (a channel of a stereo call, or a mono mix). Silero VAD
(inside faster-whisper) restricts decoding to speech, and
:func:`drop_hallucinations` removes what Whisper invents on silence, music on
hold and noise (its phrase list is data: ``phantom_phrases`` in ``transcription/lang/*.yaml``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qa.core.errors import ModelError
from qa.core.hooks import Hook, StageProgress
from qa.core.types import AsrResult, AsrSegment, Word
from transcription.diarize import SpeechStamps, VadOptions, speech_stamps
from transcription.lexicons import phantom_phrases

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TranscriberOptions:
    model: str  # CTranslate2 directory or faster-whisper model name
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 2
    beam_size: int = 5
    vad: VadOptions = field(default_factory=VadOptions)
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    min_word_probability: float = 0.25  # one-or-two-word segments below this are noise
    seed: int = 0  # of the sampling fallback, so that a recording always reads the same
    # speech read at a time: features for a whole hour would take about 1 GB, so a long recording goes through in
    # pieces cut at a pause between speech regions (calls under 10 minutes of speech are one piece)
    max_speech_s: float = 600.0


def _norm(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def _collapse_repeats(words: Sequence[Word], max_repeats: int = 2) -> tuple[Word, ...]:
    """Cut runs where the same 1-4 word n-gram repeats more than ``max_repeats`` times."""
    out = list(words)
    for n in (1, 2, 3, 4):
        i = 0
        while i + n <= len(out):
            gram = [_norm(w.text) for w in out[i : i + n]]
            j = i + n
            count = 1
            while j + n <= len(out) and [_norm(w.text) for w in out[j : j + n]] == gram:
                count += 1
                j += n
            if count > max_repeats:
                del out[i + n * max_repeats : j]
            i += 1
    return tuple(out)


def drop_hallucinations(segments: Sequence[AsrSegment], options: TranscriberOptions) -> tuple[list[AsrSegment], list[str]]:
    """Remove invented text. Returns (kept segments, reasons for what was dropped)."""
    kept: list[AsrSegment] = []
    dropped: list[str] = []
    phantoms = phantom_phrases()
    for seg in segments:
        text = _norm(seg.text)
        reason = None
        if not text:
            reason = "empty"
        elif seg.no_speech_prob > options.no_speech_threshold and seg.avg_logprob < options.log_prob_threshold:
            reason = "no speech"
        elif seg.compression_ratio > options.compression_ratio_threshold:
            reason = "repetitive"
        elif any(p in text for p in phantoms) and len(text.split()) <= 8:
            rest = _without_phantoms(seg.words, phantoms)
            if rest and max(w.probability for w in rest) >= options.min_word_probability:
                # «Thanks for watching. Bye.» at the end of a call: the phantom goes, the goodbye stays
                dropped.append(f"phantom phrase cut: {seg.text.strip()[:60]!r} at {seg.start_s:.1f}s")
                kept.append(AsrSegment(
                    start_s=rest[0].start_s, end_s=rest[-1].end_s, text="".join(w.text for w in rest).strip(),
                    words=rest, avg_logprob=seg.avg_logprob, no_speech_prob=seg.no_speech_prob,
                    compression_ratio=seg.compression_ratio,
                ))
                continue
            reason = "phantom phrase"
        elif len(seg.words) <= 2 and seg.words and max(w.probability for w in seg.words) < options.min_word_probability:
            reason = "low confidence"
        if reason:
            dropped.append(f"{reason}: {seg.text.strip()[:60]!r} at {seg.start_s:.1f}s")
            continue
        words = _collapse_repeats(seg.words)
        if len(words) != len(seg.words):
            seg = AsrSegment(
                start_s=seg.start_s, end_s=seg.end_s, text="".join(w.text for w in words).strip(), words=words,
                avg_logprob=seg.avg_logprob, no_speech_prob=seg.no_speech_prob, compression_ratio=seg.compression_ratio,
            )
            dropped.append(f"repeated words cut at {seg.start_s:.1f}s")
        kept.append(seg)
    return kept, dropped


def _without_phantoms(words: Sequence[Word], phantoms: Sequence[str]) -> tuple[Word, ...]:
    """The words left when each phantom phrase is taken out as a sentence of its own («Thanks for watching. Bye.»
    keeps «Bye.»). Empty when a phantom runs into other words («Субтитры сделал DimaTorzok»: a credit line is all
    phantom), when nothing could be taken out word by word, or when what is left still holds a phantom."""
    kept = [(w, _norm(w.text)) for w in words]
    cut = False
    for phrase in phantoms:
        tokens = phrase.split()
        i = 0
        while tokens and i + len(tokens) <= len(kept):
            if [n for _, n in kept[i:i + len(tokens)]] != tokens:
                i += 1
                continue
            end = i + len(tokens)
            ends_sentence = kept[end - 1][0].text.rstrip().endswith((".", "!", "?", "…"))
            after_sentence = i == 0 or kept[i - 1][0].text.rstrip().endswith((".", "!", "?", "…"))
            if not (after_sentence and (ends_sentence or end == len(kept))):
                return ()
            del kept[i:end]
            cut = True
    rest = " ".join(n for _, n in kept if n)
    if not cut or any(p in rest for p in phantoms):
        return ()
    return tuple(w for w, n in kept if n)


class _SamplingWatch:
    """The CTranslate2 model as faster-whisper sees it, noting whether ``generate`` sampled."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.sampled = False

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("sampling_temperature") is not None:
            self.sampled = True
        return self._model.generate(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


class Transcriber:
    """faster-whisper model loaded once; ``__call__`` transcribes one 16 kHz stream."""

    def __init__(self, options: TranscriberOptions) -> None:
        self.options = options
        self._load()

    def _load(self) -> None:
        """Load (or reload) the model with the sampling generator at ``options.seed``.

        Whisper falls back to sampling (temperature > 0) on windows it cannot decode confidently.
        CTranslate2 draws from one generator per worker thread, seeded once, so a recording's
        words would depend on which recordings came before it. A fresh model after any
        recording that sampled makes every recording read the same in any batch, re-run or order.
        """
        import ctranslate2
        from faster_whisper import WhisperModel

        o = self.options
        ctranslate2.set_random_seed(o.seed)
        try:
            model = WhisperModel(
                o.model, device=o.device, compute_type=o.compute_type, cpu_threads=o.cpu_threads, local_files_only=True,
            )
        except Exception as exc:  # CTranslate2/huggingface raise many kinds
            raise ModelError(
                f"Cannot load the ASR model {o.model!r}: {exc}. Give a CTranslate2 Whisper directory "
                "(--asr-model / QA_ASR_MODEL) or leave the default bundled model."
            ) from exc
        model.model = _SamplingWatch(model.model)
        self._model = model

    def _fresh(self) -> None:
        if self._model.model.sampled:
            self._load()

    def speech(self, samples: np.ndarray) -> SpeechStamps:
        """Silero's speech regions of a 16 kHz stream with this transcriber's VAD options, to hand to
        :meth:`detect_language` and ``__call__`` so that the filter runs once per stream."""
        return speech_stamps(samples, 16000, self.options.vad)

    def _speech_only(self, samples: np.ndarray, speech: SpeechStamps | None) -> tuple[np.ndarray, SpeechStamps]:
        """The speech of ``samples`` joined end to end, exactly as faster-whisper's ``vad_filter`` does it."""
        from faster_whisper.vad import collect_chunks

        speech = self.speech(samples) if speech is None else speech
        chunks, _ = collect_chunks(samples, speech)
        return np.concatenate(chunks, axis=0).astype(np.float32, copy=False), speech

    def detect_language(self, samples: np.ndarray, allowed: Sequence[str], speech: SpeechStamps | None = None) -> tuple[str, float]:
        """Most likely language among ``allowed`` (Whisper's own list is far wider)."""
        audio, _ = self._speech_only(samples, speech)
        _, _, probs = self._model.detect_language(audio, vad_filter=False, language_detection_segments=2)
        scores = {lang: p for lang, p in probs if lang in allowed}
        if not scores:
            return allowed[0], 0.0
        lang = max(scores, key=scores.__getitem__)
        total = sum(scores.values()) or 1.0
        return lang, scores[lang] / total

    def __call__(
        self, samples: np.ndarray, *, language: str, speech: SpeechStamps | None = None,
        initial_prompt: str | None = None, hook: Hook | None = None,
    ) -> AsrResult:
        """Transcribe the speech regions of ``samples`` (``speech``, or found here with Silero) with word timings
        on the recording's clock: what ``WhisperModel.transcribe(vad_filter=True)`` does, the VAD run once."""
        from faster_whisper.transcribe import restore_speech_timestamps

        o = self.options
        duration_s = len(samples) / 16000
        self._fresh()
        speech = self.speech(samples) if speech is None else speech
        raw: list[AsrSegment] = []
        for group in _pieces(speech, int(o.max_speech_s * 16000)):
            audio, _ = self._speech_only(samples, group)
            segments_iter, _info = self._model.transcribe(
                audio, language=language, beam_size=o.beam_size, word_timestamps=True,
                vad_filter=False, condition_on_previous_text=False,
                no_speech_threshold=o.no_speech_threshold, log_prob_threshold=o.log_prob_threshold,
                compression_ratio_threshold=o.compression_ratio_threshold, initial_prompt=initial_prompt,
            )
            if group:
                segments_iter = restore_speech_timestamps(segments_iter, group, 16000)
            for seg in segments_iter:
                words = tuple(
                    Word(round(w.start, 3), round(w.end, 3), w.word, round(float(w.probability), 4))
                    for w in (seg.words or ())
                )
                raw.append(AsrSegment(
                    start_s=round(seg.start, 3), end_s=round(seg.end, 3), text=seg.text.strip(), words=words,
                    avg_logprob=float(seg.avg_logprob), no_speech_prob=float(seg.no_speech_prob),
                    compression_ratio=float(seg.compression_ratio),
                ))
                if hook is not None:
                    hook(StageProgress("transcribe", completed=min(seg.end, duration_s), total=duration_s, unit="s"))
        kept, dropped = drop_hallucinations(raw, o)
        if dropped:
            log.info("hallucination guard: %s", "; ".join(dropped))
        return AsrResult(segments=tuple(kept), language=language, language_probability=1.0, dropped=tuple(dropped))  # given


def _pieces(speech: SpeechStamps, max_samples: int) -> list[SpeechStamps]:
    """Consecutive speech regions in pieces of at most ``max_samples`` of speech (a region longer than that is a
    piece of its own); no speech is one empty piece, so that the model still sees the (empty) stream."""
    pieces: list[SpeechStamps] = [[]]
    held = 0
    for region in speech:
        length = region["end"] - region["start"]
        if pieces[-1] and held + length > max_samples:
            pieces.append([])
            held = 0
        pieces[-1].append(region)
        held += length
    return pieces


__all__ = ["Transcriber", "TranscriberOptions", "drop_hallucinations"]

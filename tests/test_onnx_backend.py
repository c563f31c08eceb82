"""The optional ONNX ASR backend (onnx-asr: GigaAM, T-one...) and the device choice, without their weights.

No package index ships GigaAM or T-one weights, so what is tested is what a user meets first: the loading path and
its errors (a missing folder never reaches the model hub), the CLI refusing clearly, and the glue that turns
onnx-asr's token timestamps into words on the recording's clock (a recorded fake stands in for the network).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cli import app
from qa.core.errors import ModelError
from qa.core.hooks import StageProgress
from tests.fakes import speechlike
from transcription.onnx_asr_backend import OnnxOptions, OnnxTranscriber, load_onnx_model, words_from_tokens

runner = CliRunner()


def test_character_tokens_become_words_with_times_and_probabilities():
    # GigaAM's vocabulary is letters plus "▁", which onnx-asr hands back as a space token
    tokens = [" ", "д", "а", " ", "к", "о", "н", "е", "ч", "н", "о"]
    stamps = [0.0, 0.04, 0.12, 0.4, 0.44, 0.52, 0.6, 0.68, 0.76, 0.84, 0.92]
    logprobs = [0.0, -0.1, -0.1, 0.0] + [-0.01] * 7
    words = words_from_tokens(tokens, stamps, logprobs, offset_s=10.0, end_s=11.2)
    assert [w.text for w in words] == [" да", " конечно"]
    assert [(w.start_s, w.end_s) for w in words] == [(10.0, 10.4), (10.4, 11.2)]
    assert words[0].probability == pytest.approx(np.exp(-0.1), abs=1e-4)  # per token, not multiplied out
    assert words[1].probability == pytest.approx(np.exp(-0.01), abs=1e-4)


def test_subword_tokens_with_sentencepiece_marks_become_words():
    words = words_from_tokens(["▁за", "каз", "▁офор", "млен"], [0.2, 0.3, 0.7, 0.9], None, offset_s=0.0, end_s=1.5)
    assert [(w.text, w.start_s, w.end_s, w.probability) for w in words] == [(" заказ", 0.2, 0.7, 1.0), (" оформлен", 0.7, 1.5, 1.0)]
    assert words_from_tokens([], [], None, offset_s=0.0, end_s=1.0) == ()


@dataclass
class Result:  # onnx-asr's TimestampedResult
    text: str
    timestamps: list[float]
    tokens: list[str]
    logprobs: list[float]


class RecordedModel:
    """Answers every chunk with the same two words; remembers the chunk lengths it was given."""

    def __init__(self) -> None:
        self.chunks: list[int] = []

    def recognize(self, waveform, *, sample_rate):
        assert sample_rate == 16000 and waveform.dtype == np.float32
        self.chunks.append(len(waveform))
        return Result("да конечно", [0.0, 0.1, 0.2, 0.3, 0.4], [" ", "д", "а", " ", "нет"], [0.0, -0.2, -0.2, 0.0, -0.1])


def test_the_transcriber_reads_speech_regions_on_the_recording_clock(tmp_path):
    from qa.ingest.audio import decode

    audio = decode(speechlike(tmp_path / "a.wav", seconds=17, seed=4))
    model = RecordedModel()
    transcriber = OnnxTranscriber(OnnxOptions(model_dir=tmp_path, max_chunk_s=4.0), model=model)
    speech = [{"start": 16000, "end": 3 * 16000}, {"start": 4 * 16000, "end": 6 * 16000}, {"start": 7 * 16000, "end": 16 * 16000}]
    progress = []
    result = transcriber(audio.channels[0], language="ru", speech=speech, hook=progress.append)
    # regions joined while they fit in 4 s; the 9 s region cut into 4 + 4 + 1 s
    assert model.chunks == [16000 * 2, 16000 * 2, 16000 * 4, 16000 * 4, 16000 * 1]
    starts = [s.start_s for s in result.segments]
    assert starts[0] == pytest.approx(1.0) and all(b > a for a, b in zip(starts, starts[1:]))
    assert all(s.text == "да нет" for s in result.segments) and result.language == "ru"
    assert isinstance(progress[-1], StageProgress) and progress[-1].completed == pytest.approx(audio.duration_s, abs=0.01)
    assert transcriber.detect_language(audio.channels[0], ("ru", "uk")) == ("ru", None)
    with pytest.raises(ModelError, match="recognises ru only"):
        transcriber.detect_language(audio.channels[0], ("en",))


def test_a_missing_folder_is_refused_before_onnx_asr_could_reach_for_the_hub(tmp_path, monkeypatch):
    import onnx_asr

    monkeypatch.setattr(onnx_asr, "load_model", lambda *a, **k: pytest.fail("onnx-asr was called"))
    with pytest.raises(ModelError, match=r"QA_ASR_MODEL='.*nowhere' is not a folder.*v3_ctc.onnx"):
        load_onnx_model(OnnxOptions(model_dir=tmp_path / "nowhere"))


@pytest.mark.parametrize(("model_type", "message"), [
    ("gigaam-v3-ctc", r"cannot load the gigaam-v3-ctc model from .*: File 'v\?_ctc.onnx' not found"),
    ("t-one-ctc", r"cannot load the t-one-ctc model from .*model.onnx"),
    ("no-such-model", r"QA_ASR_ONNX_MODEL='no-such-model': Model 'no-such-model' not supported"),
])
def test_a_folder_without_the_model_files_is_one_clear_error(tmp_path, model_type, message):
    (tmp_path / "README.txt").write_text("weights go here")
    with pytest.raises(ModelError, match=message):
        load_onnx_model(OnnxOptions(model_dir=tmp_path, model_type=model_type))


def _one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert "Traceback" not in output and len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize(("args", "message"), [
    (["--asr-backend", "onnx"], "QA_ASR_BACKEND=onnx needs QA_ASR_MODEL (or --asr-model)"),
    (["--asr-backend", "onnx", "--asr-model", "{tmp}/missing"], "is not a folder"),
    (["--asr-backend", "onnx", "--asr-model", "{tmp}"], "cannot load the gigaam-v3-ctc model"),
    (["--asr-backend", "vosk"], "--asr-backend='vosk' is not valid: use one of whisper, onnx"),
    (["--device", "tpu"], "--device='tpu' is not valid: use one of cpu, cuda"),
])
def test_the_cli_refuses_a_backend_it_cannot_load_in_one_line(tmp_path, qa_home, args, message):
    recording = speechlike(tmp_path / "call.wav", seconds=3, seed=1)
    result = runner.invoke(app, ["process", *[a.format(tmp=tmp_path) for a in args], str(recording), "--json"])
    assert result.exit_code == 1 and message in _one_line(result.output), result.output


def test_device_cuda_without_a_gpu_says_so_before_any_work(tmp_path, qa_home):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the GPU path itself is exercised instead")
    recording = speechlike(tmp_path / "call.wav", seconds=3, seed=1)
    result = runner.invoke(app, ["process", "--device", "cuda", str(recording)])
    line = _one_line(result.output)
    assert result.exit_code == 1 and "--device cuda: no usable GPU (torch sees 0" in line and "--device cpu" in line


def test_qa_models_lists_the_onnx_model_folder(tmp_path, monkeypatch, qa_home):
    monkeypatch.setenv("QA_ASR_BACKEND", "onnx")
    monkeypatch.setenv("QA_ASR_MODEL", str(tmp_path))
    monkeypatch.setenv("QA_ASR_ONNX_MODEL", "gigaam-v3-rnnt")
    result = runner.invoke(app, ["models", "--json"])
    assert result.exit_code == 0, result.output
    asr = next(m for m in json.loads(result.stdout) if m["stage"] == "ASR")
    assert asr["model"].startswith("gigaam-v3-rnnt (onnx)") and asr["location"] == str(tmp_path)


@pytest.mark.skipif("not __import__('torch').cuda.is_available()", reason="no GPU on this machine")
def test_device_cuda_runs_both_models_on_the_gpu(tmp_path):  # pragma: no cover - GPU machines only
    from qa.core.types import CallMetadata
    from qa.ingest.audio import decode
    from qa.ingest.recordings import identify
    from qa.pipeline.processor import CallProcessor, PipelineOptions

    path = Path(__file__).resolve().parent.parent / "samples" / "calls" / "en_order_mono.mp3"
    call = CallProcessor(PipelineOptions(models_dir=tmp_path, device="cuda", compute_type="int8_float16"))(
        identify(path), decode(path), CallMetadata())
    assert call.mode == "mono" and call.transcript.utterances

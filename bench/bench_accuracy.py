"""Accuracy of the pipeline on ../shared/eval (not a test; run by hand or with `make bench`).

For the real telephone sample: DER (collar 0 and ±0.25 s) and WER. For every
synthetic call (stereo and mono): WER against the reference transcript, role
agreement (share of reference speech time given the right role) and, for mono,
DER against ref.rttm.

    .venv/bin/python bench/bench_accuracy.py [EVAL_DIR]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")

from qa.core.types import CallMetadata  # noqa: E402
from qa.ingest.audio import decode
from qa.ingest.recordings import identify  # noqa: E402
from qa.metrics import (  # noqa: E402
    diarization_error_rate,
    read_rttm,
    role_agreement,
    word_error_rate,
)
from qa.pipeline.processor import CallProcessor, PipelineOptions  # noqa: E402


def main() -> None:
    eval_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "eval"
    with tempfile.TemporaryDirectory() as tmp:
        processor = CallProcessor(PipelineOptions(models_dir=Path(tmp)))
        processor.load_models()
        sample = eval_dir / "real" / "pyannote_sample_call"
        call = processor(identify(sample / "sample.wav"), decode(sample / "sample.wav"), CallMetadata())
        ref_turns = read_rttm(sample / "sample.rttm")
        stm = " ".join(line.split(maxsplit=5)[5] for line in (sample / "sample.stm").read_text().splitlines() if line.strip())
        print(
            f"real telephone sample: DER {diarization_error_rate(ref_turns, call.diarization.turns):.1%} (collar 0), "
            f"{diarization_error_rate(ref_turns, call.diarization.turns, 0.5):.1%} (±0.25 s); WER {word_error_rate(stm, call.transcript.text):.1%}"
        )
        rows = []
        print(f"\n{'call':12} {'audio':6} {'WER':>6} {'roles':>6} {'DER':>6} {'RTF':>6}")
        for folder in sorted(p for p in (eval_dir / "synthetic").iterdir() if p.is_dir()):
            reference = json.loads((folder / "transcript.json").read_text())
            ref_roles = [(u["role"], u["start_s"], u["end_s"]) for u in reference["utterances"]]
            ref_text = " ".join(u["text"] for u in reference["utterances"])
            for audio_name in ("stereo.flac", "mono.flac"):
                path = folder / audio_name
                audio = decode(path)
                t0 = time.perf_counter()
                call = processor(identify(path), audio, CallMetadata())
                rtf = (time.perf_counter() - t0) / audio.duration_s
                hyp_roles = [(u.role.value, u.start_s, u.end_s) for u in call.transcript.utterances]
                row = {
                    "call": folder.name, "audio": audio_name.split(".")[0], "wer": word_error_rate(ref_text, call.transcript.text),
                    "roles": role_agreement(ref_roles, hyp_roles), "rtf": rtf,
                    "der": diarization_error_rate(read_rttm(folder / "ref.rttm"), call.diarization.turns, 0.5) if call.mode == "mono" else None,
                }
                rows.append(row)
                der = "-" if row["der"] is None else f"{row['der']:.1%}"
                print(f"{row['call']:12} {row['audio']:6} {row['wer']:6.1%} {row['roles']:6.1%} {der:>6} {rtf:6.3f}", flush=True)
    for kind in ("stereo", "mono"):
        sub = [r for r in rows if r["audio"] == kind]
        mean = lambda k: sum(r[k] for r in sub) / len(sub)  # noqa: E731
        extra = f", DER {mean('der'):.1%}" if kind == "mono" else ""
        print(f"mean {kind}: WER {mean('wer'):.1%}, role agreement {mean('roles'):.1%}{extra}, RTF {mean('rtf'):.3f}")


if __name__ == "__main__":
    main()

"""Long recordings: `qa process` on one 10-, 30- and 60-minute call, wall time and peak memory.

Not a test: run by hand or with `make bench`. Each recording is built by concatenating the synthetic calls of
``../shared/eval/synthetic/`` (in a fixed order, repeated as needed, 1 s of silence between them) and written as
16 kHz FLAC, stereo and mono separately. Every recording runs in its own `qa process` (models loaded inside the
timing) with a fresh QA_HOME; the question is whether the cost grows linearly with length and whether memory
stays bounded (target: peak RSS at most 2.5 GiB for 60 minutes).

    .venv/bin/python bench/bench_long.py [--minutes 10,30,60] [--kinds mono,stereo]

Prints a table and writes ``bench/results/long.json``; `bench/bench_process.py` adds it to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_process import measure  # noqa: E402
from qa.ingest.audio import decode, write_audio  # noqa: E402
from transcription.models import bundled_whisper_dir  # noqa: E402

SYNTHETIC = ROOT.parent / "shared" / "eval" / "synthetic"
RATE_HZ = 16000


def build(kind: str, minutes: int, target: Path) -> float:
    """Concatenate the synthetic ``{kind}.flac`` calls up to ``minutes``; returns the length in seconds."""
    sources = [decode(p) for p in sorted(SYNTHETIC.glob(f"*/{kind}.flac"))]
    gap = np.zeros((2 if kind == "stereo" else 1, RATE_HZ), np.float32)
    parts, total = [], 0
    while total < minutes * 60 * RATE_HZ:
        for audio in sources:
            parts += [np.stack(audio.channels), gap]
            total += len(audio.channels[0]) + RATE_HZ
            if total >= minutes * 60 * RATE_HZ:
                break
    samples = np.concatenate(parts, axis=1)[:, : minutes * 60 * RATE_HZ]
    write_audio(target, samples if kind == "stereo" else samples[0], RATE_HZ)
    return samples.shape[1] / RATE_HZ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="10,30,60")
    parser.add_argument("--kinds", default="mono,stereo")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = bundled_whisper_dir(Path(tmp) / "models")
        for kind in args.kinds.split(","):
            for minutes in map(int, args.minutes.split(",")):
                path = Path(tmp) / f"long_{kind}_{minutes}min.flac"
                audio_s = build(kind, minutes, path)
                with tempfile.TemporaryDirectory() as home:
                    env = {**os.environ, "QA_HOME": home, "HF_HUB_OFFLINE": "1", "PYANNOTE_METRICS_ENABLED": "0",
                           "QA_MAX_DURATION_S": str(4 * 3600)}
                    env.pop("QA_DB_URL", None)
                    (Path(home) / "models").symlink_to(model_dir.parent)
                    m = measure([sys.executable, str(ROOT / "cli.py"), "process", str(path), "--json"], env)
                results.append({"kind": kind, "minutes": minutes, "audio_s": audio_s, **m})
                r = results[-1]
                print(f"{kind:6} {minutes:3d} min: {r['wall_s']:7.1f} s wall, RTF {r['wall_s'] / audio_s:.3f}, "
                      f"peak RSS {r['peak_rss_mb']:.0f} MB, exit {r['rc']}", flush=True)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "long.json").write_text(json.dumps(results, indent=2))


def table(results: list[dict]) -> list[str]:
    """The RESULTS.md section for ``bench/results/long.json``."""
    lines = ["## Long recordings (`bench/bench_long.py`)", "",
             "One recording each, built from the synthetic calls; `qa process` with models loaded inside the timing.", "",
             "| audio | minutes | wall s | real-time factor | s per audio minute | peak RSS MB | exit |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r['kind']} | {r['minutes']} | {r['wall_s']:.1f} | {r['wall_s'] / r['audio_s']:.3f} | "
                     f"{r['wall_s'] / (r['audio_s'] / 60):.1f} | {r['peak_rss_mb']:.0f} | {r['rc']} |")
    return lines + [""]


if __name__ == "__main__":
    main()

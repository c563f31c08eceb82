"""Benchmark `qa process` against a bare faster-whisper run on the same files, in one run.

Not a test: run by hand or with `make bench`. Prints audio seconds, wall seconds,
real-time factor (wall / audio) and peak RSS for both, and their ratio.

    .venv/bin/python bench/bench_process.py [FILES or folders; default: samples/calls]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.ingest.audio import decode
from qa.ingest.recordings import find_recordings  # noqa: E402
from transcription.models import bundled_whisper_dir  # noqa: E402


def measure(command: list[str], env: dict) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "measure.py"), *command], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    inputs = [Path(a) for a in sys.argv[1:]] or [ROOT / "samples" / "calls"]
    files, _ = find_recordings(inputs)
    audio_s = sum(decode(f).duration_s for f in files)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {**os.environ, "QA_HOME": str(home), "HF_HUB_OFFLINE": "1", "PYANNOTE_METRICS_ENABLED": "0"}
        model_dir = bundled_whisper_dir(home / "models")  # assembled before timing either side
        ours = measure([sys.executable, "-m", "cli", "process", *map(str, files), "--json"], env)
        bare = measure([sys.executable, str(ROOT / "bench" / "bare_faster_whisper.py"), str(model_dir), *map(str, files)], env)
    rows = [("qa process (diarize + ASR + roles + features + SQLite)", ours), ("bare faster-whisper (same model, same options)", bare)]
    print(f"{len(files)} files, {audio_s:.1f} s of audio, {os.cpu_count()} CPU cores\n")
    print(f"{'run':58} {'wall s':>8} {'RTF':>6} {'peak RSS MB':>12}")
    for name, r in rows:
        print(f"{name:58} {r['wall_s']:8.1f} {r['wall_s'] / audio_s:6.3f} {r['peak_rss_mb']:12.0f}" + ("" if r["rc"] == 0 else f"  (exit {r['rc']})"))
    print(f"\nratio ours / bare: wall {ours['wall_s'] / bare['wall_s']:.2f}x, peak RSS {ours['peak_rss_mb'] / bare['peak_rss_mb']:.2f}x")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "process.json").write_text(json.dumps({"files": [str(f) for f in files], "audio_s": audio_s, "ours": ours, "bare": bare}, indent=2))


if __name__ == "__main__":
    main()

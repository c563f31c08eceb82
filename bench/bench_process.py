"""End-to-end speed: `qa process` beside what a user would run instead, on the same files, in one run.

Not a test: run by hand or with `make bench`. For stereo and for mono recordings separately, three runners:

* ``qa process``: channels or pyannote diarization, ASR on speech regions, roles, features, SQLite storage, scoring;
* a naive WhisperX-style pipeline (``bench/whisperx_style.py``): faster-whisper on the whole file + pyannote on
  the whole file + words assigned to speaker turns, same models;
* bare faster-whisper (``bench/bare_faster_whisper.py``): same model and options, no speakers at all.

Each runs in its own process (models loaded inside the timing, as a user pays for them) with a fresh QA_HOME;
prints wall seconds, real-time factor (wall / audio), peak RSS and the ratios, and writes
``bench/results/process.json`` (``bench/report.py`` puts it into ``bench/RESULTS.md`` with the machine, date, commit).

    .venv/bin/python bench/bench_process.py [--quick]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.ingest.audio import decode  # noqa: E402
from transcription.models import bundled_whisper_dir  # noqa: E402

SYNTHETIC = ROOT.parent / "shared" / "eval" / "synthetic"
SYNTHETIC_CALLS = ("ru-dev-005", "en-dev-004", "uk-dev-001")  # one call per language


def measure(command: list[str], env: dict) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "measure.py"), *command], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def file_sets(quick: bool) -> dict[str, list[Path]]:
    samples = sorted((ROOT / "samples" / "calls").iterdir())
    sets = {"stereo": [p for p in samples if "stereo" in p.name], "mono": [p for p in samples if "mono" in p.name]}
    if not quick and SYNTHETIC.is_dir():
        for kind in sets:
            sets[kind] += [SYNTHETIC / name / f"{kind}.flac" for name in SYNTHETIC_CALLS]
    return sets


def run_set(files: list[Path], model_dir: Path) -> dict:
    audio_s = sum(decode(f).duration_s for f in files)
    runs = {}
    for name, command in (
        ("qa process", [sys.executable, str(ROOT / "cli.py"), "process", *map(str, files), "--json"]),
        ("WhisperX-style", [sys.executable, str(ROOT / "bench" / "whisperx_style.py"), str(model_dir), *map(str, files)]),
        ("bare faster-whisper", [sys.executable, str(ROOT / "bench" / "bare_faster_whisper.py"), str(model_dir),
                                 *map(str, files)]),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "QA_HOME": tmp, "HF_HUB_OFFLINE": "1", "PYANNOTE_METRICS_ENABLED": "0"}
            env.pop("QA_DB_URL", None)
            (Path(tmp) / "models").symlink_to(model_dir.parent)  # assembled once, before any timing
            runs[name] = measure(command, env)
    return {"files": [str(f) for f in files], "audio_s": audio_s, "runs": runs}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, {platform.system()} {platform.release()}"


def commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(results: dict) -> list[str]:
    """The RESULTS.md section for ``bench/results/process.json``."""
    lines = ["## End to end: `qa process` beside a WhisperX-style pipeline and bare faster-whisper (`bench/bench_process.py`)", "",
             "Every runner processes the same files in its own process in one run; model loading is inside the timing.", ""]
    for kind, r in results.items():
        runs = r["runs"]
        lines += [f"### {kind}: {len(r['files'])} files, {r['audio_s']:.0f} s of audio", "",
                  "| runner | wall s | real-time factor | peak RSS MB | exit |", "| --- | ---: | ---: | ---: | ---: |"]
        for name, m in runs.items():
            lines.append(f"| {name} | {m['wall_s']:.1f} | {m['wall_s'] / r['audio_s']:.3f} | {m['peak_rss_mb']:.0f} | {m['rc']} |")
        ours, wx, bare = runs["qa process"], runs["WhisperX-style"], runs["bare faster-whisper"]
        lines += ["", f"WhisperX-style / qa process: **{wx['wall_s'] / ours['wall_s']:.2f}×** the time; "
                      f"qa process / bare faster-whisper: **{ours['wall_s'] / bare['wall_s']:.2f}×** the time, "
                      f"{ours['peak_rss_mb'] / bare['peak_rss_mb']:.2f}× the peak memory.", "",
                  "Files: " + ", ".join(f"`{Path(f).parent.name}/{Path(f).name}`" for f in r["files"]), ""]
    return lines


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = bundled_whisper_dir(Path(tmp) / "models")
        results = {kind: run_set(files, model_dir) for kind, files in file_sets(quick).items()}
    print("\n".join(table(results)))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "process.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

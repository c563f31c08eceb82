"""Scoring throughput without ASR: 1,000 stored transcripts, calls per second, memory over time,
then the time to build every operator's scorecard over all of them.

    .venv/bin/python bench/bench_scoring.py [N=1000]

The 44 labeled dev transcripts are imported into a fresh SQLite database under
distinct ids until N calls exist, then `score_stored` scores them all; RSS is
sampled every 100 calls to show that memory stays flat.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.db import calls  # noqa: E402
from qa.db.engine import open_database  # noqa: E402
from qa.pipeline.imports import read_labeled  # noqa: E402
from qa.pipeline.rescore import score_stored  # noqa: E402
from qa.review.periods import parse_period  # noqa: E402
from qa.review.scorecards import build_report  # noqa: E402
from scoring.rubric import RUBRICS_DIR, load_rubric  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    files = sorted((ROOT.parent / "shared" / "eval" / "labeled-dev").glob("*.json"))
    labeled = [read_labeled(f) for f in files]
    rubric = load_rubric(RUBRICS_DIR / "order_desk.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{tmp}/bench.db")
        for i in range(n):
            c = labeled[i % len(labeled)]
            sha = f"{i:012d}" + c.sha256[12:]
            calls.save_imported(engine, call=replace(c, sha256=sha), call_id=sha[:12], batch_id=None)
        ids = calls.call_ids(engine)
        samples = []
        t0 = time.perf_counter()
        done = 0
        for start in range(0, len(ids), 100):
            score_stored(engine, ids[start : start + 100], rubric)
            done += len(ids[start : start + 100])
            samples.append((done, round(time.perf_counter() - t0, 2), round(rss_mb())))
        wall = time.perf_counter() - t0
        # operator scorecards over all of them (the imported calls keep the dev files' operators and dates)
        t1 = time.perf_counter()
        report = build_report(engine, rubric_id=rubric.id, period=parse_period("all"))
        report_s = time.perf_counter() - t1
    print(f"scored {n} stored transcripts in {wall:.1f} s: {n / wall:.1f} calls/s (1 process, no ASR)")
    print("calls done, seconds, RSS MB:", samples)
    print(f"scorecards of {len(report.operators)} operators over {report.team.calls} calls: {report_s:.2f} s")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "scoring.json").write_text(
        json.dumps({"n": n, "wall_s": wall, "rss": samples, "scorecard_report_s": report_s})
    )


def table(results: dict) -> list[str]:
    """The RESULTS.md section for ``bench/results/scoring.json``."""
    return ["## Scoring without ASR (`bench/bench_scoring.py`)", "",
            f"{results['n']} stored transcripts scored in {results['wall_s']:.1f} s: "
            f"**{results['n'] / results['wall_s']:.1f} calls/s** in one process; RSS (MB) every 100 calls: "
            + ", ".join(str(rss) for _, _, rss in results["rss"])
            + f". Every operator's scorecard over them: {results['scorecard_report_s']:.2f} s.", ""]


if __name__ == "__main__":
    main()

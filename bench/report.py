"""Write ``bench/RESULTS.md`` from what the benchmarks left in ``bench/results/*.json`` (the last run of each).

    .venv/bin/python bench/report.py

`make bench` runs every benchmark, then this. Each section says which script measured it; the header names the
machine, the date and the commit.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_accuracy, bench_db, bench_long, bench_process, bench_scoring, bench_web  # noqa: E402

SECTIONS = (("process", bench_process.table), ("long", bench_long.table), ("accuracy", bench_accuracy.table),
            ("scoring", bench_scoring.table), ("db", bench_db.table), ("web", bench_web.table))


def main() -> None:
    lines = ["# Benchmark results", "", f"Machine: {bench_process.machine()}  ",
             f"Date: {dt.datetime.now():%Y-%m-%d %H:%M}  ", f"Commit: {bench_process.commit()}", "",
             "Written by `make bench` (`bench/report.py` from `bench/results/*.json`). Speed figures of one table come "
             "from one run on this machine, the runners side by side on the same files.", ""]
    for name, section in SECTIONS:
        path = ROOT / "bench" / "results" / f"{name}.json"
        if path.exists():
            lines += section(json.loads(path.read_text(encoding="utf-8")))
        else:
            lines += [f"## {name}", "", f"Not measured yet: run `bench/bench_{name}.py`.", ""]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

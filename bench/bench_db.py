"""Query time on a database of 100,000 calls, on SQLite and on PostgreSQL: scorecards and transcript search.

Not a test: run by hand or with `make bench`. The labeled dev transcripts (both sets) are imported and scored
through the library into a fresh database; those calls are then copied inside the database (``INSERT ... SELECT``,
new ids, the same operators, dates and texts) until N calls exist with their utterances, speaker turns, metrics,
scorecards and verdicts (word timings are left out of the copies: no query here reads them). Then each query runs
``ROUNDS`` times and the median and the slowest are reported:

* the scorecard report of every operator over one month, and of one operator (``build_report``, as `qa scorecard`);
* the call list of one operator (``list_calls``, the web's /calls page);
* full-text search for a one-word and a two-word phrase (FTS5 on SQLite, the GIN tsvector index on PostgreSQL).

    .venv/bin/python bench/bench_db.py [--calls 100000] [--pg postgresql+psycopg://...] [--rounds 5]

Without ``--pg`` (or ``QA_TEST_PG_URL``) only SQLite is measured. Writes ``bench/results/db.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from qa.db import calls  # noqa: E402
from qa.db.engine import open_database  # noqa: E402
from qa.pipeline.imports import read_labeled  # noqa: E402
from qa.pipeline.rescore import score_stored  # noqa: E402
from qa.review.periods import parse_period  # noqa: E402
from qa.review.scorecards import build_report  # noqa: E402
from scoring.rubric import RUBRICS_DIR, load_rubric  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
# table -> {column: how a copy changes it}; "id" = offset integer key, "call" = suffixed call id, FK tables offset
COPIED = {
    "call": {"id": "call", "sha256": "sha"},
    "utterance": {"id": "id", "call_id": "call"},
    "speakerturn": {"id": "id", "call_id": "call"},
    "callmetrics": {"call_id": "call"},
    "rolemetrics": {"call_id": "call"},
    "scorecard": {"id": "id", "call_id": "call"},
    "criterionverdict": {"id": "id", "scorecard_id": "scorecard"},
}


def seed(engine: Engine) -> int:
    """Import and score the labeled transcripts; returns how many calls were stored."""
    rubric = load_rubric(RUBRICS_DIR / "order_desk.yaml")
    for path in sorted(EVAL.glob("labeled-dev*/*.json")):
        call = read_labeled(path)
        calls.save_imported(engine, call=call, call_id=call.sha256[:12], batch_id=None)
    ids = calls.call_ids(engine)
    score_stored(engine, ids, rubric)
    return len(ids)


def columns(engine: Engine, table: str) -> list[str]:
    from sqlalchemy import inspect

    return [c["name"] for c in inspect(engine).get_columns(table)]


def grow(engine: Engine, target_calls: int, seed_calls: int) -> float:
    """Copy the seed calls inside the database until ``target_calls`` exist; returns the seconds it took."""
    started = time.perf_counter()
    concat = "||"
    with engine.begin() as conn:
        spans = {table: conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar()
                 for table, cols in COPIED.items() if cols.get("id") == "id"}
    copies = -(-target_calls // seed_calls) - 1
    for k in range(1, copies + 1):
        with engine.begin() as conn:
            for table, change in COPIED.items():
                names = columns(engine, table)
                exprs = []
                for name in names:
                    how = change.get(name)
                    if how == "call":
                        exprs.append(f"{name} {concat} '-{k}'")
                    elif how == "sha":  # 64 characters on PostgreSQL: the copy number replaces the last eight
                        exprs.append(f"substr({name}, 1, 56) {concat} '{k:08d}'")
                    elif how == "id":
                        exprs.append(f"{name} + {k * spans[table]}")
                    elif how in spans:
                        exprs.append(f"{name} + {k * spans[how]}")
                    else:
                        exprs.append(name)
                where = " WHERE id NOT LIKE '%-%'" if table == "call" else ""
                if table != "call":
                    key = "call_id" if "call_id" in names else None
                    where = f" WHERE {key} NOT LIKE '%-%'" if key else f" WHERE id <= {spans[table]}"
                conn.execute(text(f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} FROM {table}{where}"))
        if k % 100 == 0:
            print(f"  {(k + 1) * seed_calls} calls ({time.perf_counter() - started:.0f} s)", flush=True)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in COPIED:
                conn.execute(text(f"ANALYZE {table}"))
        else:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def timed(fn: Callable[[], object], rounds: int) -> dict:
    result = fn()  # warm the caches once, as a server that has been up a while
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    rows = len(result) if isinstance(result, list) else len(getattr(result, "operators", ()))
    return {"median_ms": statistics.median(samples) * 1000, "max_ms": max(samples) * 1000, "rows": rows}


def queries(engine: Engine) -> dict[str, Callable[[], object]]:
    with engine.connect() as conn:
        operator, started = conn.execute(text(
            "SELECT operator_id, max(started_at) FROM call WHERE operator_id IS NOT NULL GROUP BY operator_id "
            "ORDER BY count(*) DESC LIMIT 1")).one()
    month = parse_period(f"{started:%Y-%m}" if hasattr(started, "year") else str(started)[:7])
    return {
        "scorecards, every operator, one month": lambda: build_report(engine, rubric_id="order_desk", period=month),
        "scorecard, one operator, one month": lambda: build_report(engine, rubric_id="order_desk", period=month,
                                                                   operator_id=operator),
        "call list, one operator (200 newest)": lambda: calls.list_calls(engine, operator=operator, limit=200),
        "search, one word («доставка»)": lambda: calls.search_utterances(engine, query="доставка"),
        "search, two words («номер заказа»)": lambda: calls.search_utterances(engine, query="номер заказа"),
    }


def measure(url: str, n: int, rounds: int) -> dict:
    engine = open_database(url)
    seed_calls = seed(engine)
    grow_s = grow(engine, n, seed_calls)
    with engine.connect() as conn:
        counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in COPIED}
    result = {"dialect": engine.dialect.name, "counts": counts, "build_s": grow_s,
              "queries": {name: timed(fn, rounds) for name, fn in queries(engine).items()}}
    engine.dispose()
    return result


def bench_database(server_url: str):
    """A database of its own on the PostgreSQL server (created here, dropped after): nothing else is touched."""
    from contextlib import contextmanager

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"qa_bench_{os.getpid()}"

    @contextmanager
    def database():
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    return database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get("QA_TEST_PG_URL"))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure(f"sqlite:///{tmp}/bench.db", args.calls, args.rounds))
    if args.pg:
        with bench_database(args.pg) as url:
            results.append(measure(url, args.calls, args.rounds))
    for r in results:
        print(f"{r['dialect']}: {r['counts']['call']} calls, {r['counts']['utterance']} utterances, "
              f"{r['counts']['criterionverdict']} verdicts (built in {r['build_s']:.0f} s)")
        for name, q in r["queries"].items():
            print(f"  {name:45} median {q['median_ms']:8.1f} ms, slowest {q['max_ms']:8.1f} ms ({q['rows']} rows)")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "db.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


def table(results: list[dict]) -> list[str]:
    """The RESULTS.md section for ``bench/results/db.json``."""
    lines = ["## Queries on 100,000 calls (`bench/bench_db.py`)", ""]
    names = list(results[0]["queries"])
    lines += ["| query | " + " | ".join(f"{r['dialect']} median / slowest ms" for r in results) + " |",
              "| --- |" + " ---: |" * len(results)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(
            f"{r['queries'][name]['median_ms']:.1f} / {r['queries'][name]['max_ms']:.1f}" for r in results) + " |")
    lines += [""] + [f"{r['dialect']}: {r['counts']['call']:,} calls, {r['counts']['utterance']:,} utterances, "
                     f"{r['counts']['criterionverdict']:,} verdicts." for r in results] + [""]
    return lines


if __name__ == "__main__":
    main()

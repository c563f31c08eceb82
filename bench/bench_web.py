"""How fast the web UI renders: the call page of a 200-utterance call (every word a span) and the call list.

    .venv/bin/python bench/bench_web.py [UTTERANCES=200] [ROUNDS=30]

A long call is built from the labeled dev dialogues (their utterances repeated, with word timings), imported
and scored into a fresh SQLite database; pages are rendered through the ASGI app in this process (no network),
logged in as a lead. Prints the median and 95th percentile per page (the target: under 300 ms for the call page).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from qa import access  # noqa: E402
from qa.core.settings import load_settings  # noqa: E402
from qa.db.engine import open_database  # noqa: E402
from qa.pipeline.imports import import_files  # noqa: E402
from qa.web.app import create_app  # noqa: E402
from scoring.rubric import find_rubric  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "labeled-dev"


def long_call(n_utterances: int, target: Path) -> Path:
    source = [u for p in sorted(EVAL.glob("ru-dev-*.json")) for u in json.loads(p.read_text(encoding="utf-8"))["utterances"]]
    t, utterances = 0.0, []
    for i in range(n_utterances):
        u = source[i % len(source)]
        words, w_t = [], t
        for w in u["text"].split():
            words.append({"start_s": round(w_t, 2), "end_s": round(w_t + 0.3, 2), "text": w, "probability": 0.9})
            w_t += 0.35
        utterances.append({"role": u["role"], "start_s": round(t, 2), "end_s": round(w_t, 2), "text": u["text"], "words": words})
        t = w_t + 0.4
    data = {"call_id": "bench-long", "language": "ru", "operator": "op-bench", "started_at": "2026-11-02T10:00:00",
            "channel": "inbound", "utterances": utterances}
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


def timed(client: TestClient, path: str, rounds: int) -> tuple[float, float]:
    client.get(path)  # warm the template cache
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main(n_utterances: int = 200, rounds: int = 30) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        engine = open_database(f"sqlite:///{home / 'qa.db'}")
        results = import_files(engine, [long_call(n_utterances, home / "long.json"), EVAL], rubric=find_rubric("order_desk"))
        long = next(r for r in results if r.path.endswith("long.json"))
        if long.call_id is None:
            raise SystemExit(f"the long call was not imported: {long.detail}")
        call_id = long.call_id
        access.add_user(engine, login="lead", role="lead", password="bench password", actor="bench")
        app = create_app(load_settings(home=home, db_url=f"sqlite:///{home / 'qa.db'}"), engine)
        client = TestClient(app)
        token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "lead", "password": "bench password", "csrf_token": token})
        print(f"call page, {n_utterances} utterances: median / p95 ms")
        pages = {}
        for label, path in [(f"call page ({n_utterances} utterances)", f"/calls/{call_id}"), ("call list (45 calls)", "/calls"),
                            ("search", "/calls?q=заказ"), ("call JSON", f"/api/calls/{call_id}")]:
            median, p95 = timed(client, path, rounds)
            pages[label] = {"median_ms": median, "p95_ms": p95}
            print(f"  {label:32s} {median:7.1f} {p95:7.1f}")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "web.json").write_text(json.dumps({"rounds": rounds, "pages": pages}, indent=2))


def table(results: dict) -> list[str]:
    """The RESULTS.md section for ``bench/results/web.json``."""
    lines = ["## Web pages (`bench/bench_web.py`)", "",
             f"Rendered through the ASGI app in-process as a lead, {results['rounds']} rounds each (target: the call "
             "page under 300 ms).", "", "| page | median ms | p95 ms |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {p['median_ms']:.1f} | {p['p95_ms']:.1f} |" for name, p in results["pages"].items()]
    return lines + [""]


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))

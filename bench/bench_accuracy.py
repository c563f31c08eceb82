"""Accuracy of the pipeline on ../shared/eval (not a test; run by hand or with `make bench`).

* The real telephone sample: DER (collar 0 and ±0.25 s) and WER.
* Every synthetic call, stereo and mono: WER (all words, and per role: the agent's words against the reference
  agent's, the customer's likewise), role agreement (share of reference speech time given the right role),
  for mono DER (collar 0 and ±0.25 s) against ref.rttm, and the rubric's verdicts against the call's labels
  (accuracy per criterion, and the order outcome).

Summaries per audio kind, per language and per role go to stdout and ``bench/results/accuracy.json``.
``--compare-step 0.1`` also diarizes every mono call with that pyannote window step (the pipeline's earlier
default), reusing the same recognised words, so the cost of a faster setting is measured side by side.

    .venv/bin/python bench/bench_accuracy.py [--eval DIR] [--compare-step 0.1]
"""

from __future__ import annotations

import argparse
import hashlib
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
from qa.ingest.audio import decode  # noqa: E402
from qa.ingest.recordings import identify  # noqa: E402
from qa.metrics import diarization_error_rate, read_rttm, role_agreement, word_error_rate  # noqa: E402
from qa.pipeline.evaluate import LabeledCard, compare  # noqa: E402
from qa.pipeline.processor import CallProcessor, PipelineOptions  # noqa: E402
from scoring.rubric import find_rubric  # noqa: E402
from scoring.score import score  # noqa: E402


class RememberingTranscriber:
    """The real transcriber, remembering each stream's result so a second diarization reuses the same words."""

    def __init__(self, inner) -> None:
        self.inner, self.seen = inner, {}

    def detect_language(self, samples, allowed, speech=None):
        return self.inner.detect_language(samples, allowed, speech=speech)

    def __call__(self, samples, *, language, speech=None, hook=None):
        key = (hashlib.sha1(samples.tobytes()).hexdigest(), language)
        if key not in self.seen:
            self.seen[key] = self.inner(samples, language=language, speech=speech, hook=hook)
        return self.seen[key]


def role_text(utterances, role: str) -> str:
    return " ".join(u["text"] if isinstance(u, dict) else u.text for u in utterances
                    if (u["role"] if isinstance(u, dict) else u.role.value) == role)


def measure_call(processor: CallProcessor, folder: Path, kind: str, rubric) -> tuple[dict, LabeledCard]:
    reference = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
    ref_utts = reference["utterances"]
    path = folder / f"{kind}.flac"
    audio = decode(path)
    t0 = time.perf_counter()
    call = processor(identify(path), audio, CallMetadata())
    wall = time.perf_counter() - t0
    hyp = call.transcript.utterances
    row = {
        "call": folder.name, "audio": kind, "language": reference["language"], "rtf": wall / audio.duration_s,
        "wer": word_error_rate(" ".join(u["text"] for u in ref_utts), call.transcript.text),
        "wer_agent": word_error_rate(role_text(ref_utts, "agent"), role_text(hyp, "agent")),
        "wer_customer": word_error_rate(role_text(ref_utts, "customer"), role_text(hyp, "customer")),
        "roles": role_agreement([(u["role"], u["start_s"], u["end_s"]) for u in ref_utts],
                                [(u.role.value, u.start_s, u.end_s) for u in hyp]),
    }
    if call.mode == "mono":
        ref_turns = read_rttm(folder / "ref.rttm")
        row |= {"der": diarization_error_rate(ref_turns, call.diarization.turns),
                "der_collar": diarization_error_rate(ref_turns, call.diarization.turns, 0.5)}
    outcome = reference.get("outcome")
    card = LabeledCard(reference["call_id"], reference.get("labels", {}), outcome if isinstance(outcome, dict) else {},
                       score(call.transcript, call.features, rubric))
    return row, card


def summary(rows: list[dict], cards: list[LabeledCard]) -> dict:
    mean = lambda key, sub: sum(r[key] for r in sub) / len(sub) if sub else None  # noqa: E731
    out = {"calls": len(rows)}
    for key in ("wer", "wer_agent", "wer_customer", "roles", "der", "der_collar", "rtf"):
        if all(key in r for r in rows):
            out[key] = mean(key, rows)
    out["wer_by_language"] = {lang: mean("wer", [r for r in rows if r["language"] == lang])
                              for lang in sorted({r["language"] for r in rows})}
    reports = compare(cards)
    out["verdict_accuracy"] = {cid: rep.accuracy for cid, rep in reports.items()}
    out["verdict_accuracy_mean"] = sum(out["verdict_accuracy"].values()) / len(reports) if reports else None
    judged = [c for c in cards if "order_placed" in c.outcome]
    out["order_outcome_right"] = [sum(bool(dict(c.card.outcome).get("order_placed")) == bool(c.outcome["order_placed"])
                                      for c in judged), len(judged)]
    return out


def print_summary(label: str, s: dict) -> None:
    der = f", DER {s['der']:.1%} / {s['der_collar']:.1%} (collar 0 / ±0.25 s)" if "der" in s else ""
    print(f"{label}: {s['calls']} calls, WER {s['wer']:.1%} (agent {s['wer_agent']:.1%}, customer "
          f"{s['wer_customer']:.1%}; " + ", ".join(f"{k} {v:.1%}" for k, v in s["wer_by_language"].items())
          + f"), roles {s['roles']:.1%}{der}, verdicts {s['verdict_accuracy_mean']:.1%}, order outcome "
          f"{s['order_outcome_right'][0]}/{s['order_outcome_right'][1]}, RTF {s['rtf']:.3f}")
    print("   per criterion: " + ", ".join(f"{k} {v:.0%}" for k, v in s["verdict_accuracy"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--compare-step", type=float, default=None)
    args = parser.parse_args()
    rubric = find_rubric("order_desk")
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        processor = CallProcessor(PipelineOptions(models_dir=Path(tmp)))
        processor.load_models()
        remembering = RememberingTranscriber(processor.transcriber)
        processor = CallProcessor(processor.options, transcriber=remembering, diarizer=processor.diarizer)
        sample = args.eval / "real" / "pyannote_sample_call"
        call = processor(identify(sample / "sample.wav"), decode(sample / "sample.wav"), CallMetadata())
        ref_turns = read_rttm(sample / "sample.rttm")
        stm = " ".join(line.split(maxsplit=5)[5] for line in (sample / "sample.stm").read_text().splitlines() if line.strip())
        results["telephone_sample"] = {
            "der": diarization_error_rate(ref_turns, call.diarization.turns),
            "der_collar": diarization_error_rate(ref_turns, call.diarization.turns, 0.5),
            "wer": word_error_rate(stm, call.transcript.text),
        }
        t = results["telephone_sample"]
        print(f"real telephone sample: DER {t['der']:.1%} (collar 0), {t['der_collar']:.1%} (±0.25 s); WER {t['wer']:.1%}")
        folders = sorted(p for p in (args.eval / "synthetic").iterdir() if p.is_dir())
        runs = [("stereo", "stereo", processor), ("mono", "mono", processor)]
        if args.compare_step is not None:
            from transcription.diarize import Diarizer, DiarizerOptions

            other = Diarizer(DiarizerOptions(clustering_threshold=processor.options.diarization_threshold,
                                             segmentation_step=args.compare_step, segmentation_batch_size=1))
            runs.append((f"mono, pyannote step {args.compare_step:g}", "mono",
                         CallProcessor(processor.options, transcriber=remembering, diarizer=other)))
        for label, kind, runner in runs:
            rows, cards = [], []
            for folder in folders:
                row, card = measure_call(runner, folder, kind, rubric)
                rows.append(row)
                cards.append(card)
                der = f" DER {row['der_collar']:.1%}" if "der" in row else ""
                print(f"  {label:24} {row['call']:12} WER {row['wer']:6.1%} roles {row['roles']:6.1%}{der}", flush=True)
            results[label] = {"rows": rows, "summary": summary(rows, cards)}
            print_summary(label, results[label]["summary"])
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "accuracy.json").write_text(json.dumps(results, indent=2))


def table(results: dict) -> list[str]:
    """The RESULTS.md section for ``bench/results/accuracy.json``."""
    t = results["telephone_sample"]
    lines = ["## Accuracy (`bench/bench_accuracy.py`)", "",
             f"Real telephone sample (`eval/real/pyannote_sample_call`): DER {t['der']:.1%} (collar 0), "
             f"{t['der_collar']:.1%} (±0.25 s); WER {t['wer']:.1%}.", "",
             "The 12 synthetic calls of `eval/synthetic` (ru, uk, en), each as stereo and as mono:", "",
             "| audio | WER | WER agent | WER customer | WER ru / uk / en | roles right | DER (0 / ±0.25 s) | verdicts | order outcome | RTF |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for label, r in results.items():
        if label == "telephone_sample":
            continue
        s = r["summary"]
        by_lang = " / ".join(f"{s['wer_by_language'].get(k, float('nan')):.1%}" for k in ("ru", "uk", "en"))
        der = f"{s['der']:.1%} / {s['der_collar']:.1%}" if "der" in s else "–"
        lines.append(f"| {label} | {s['wer']:.1%} | {s['wer_agent']:.1%} | {s['wer_customer']:.1%} | {by_lang} | "
                     f"{s['roles']:.1%} | {der} | {s['verdict_accuracy_mean']:.1%} | "
                     f"{s['order_outcome_right'][0]}/{s['order_outcome_right'][1]} | {s['rtf']:.3f} |")
    criteria = list(next(r for k, r in results.items() if k != "telephone_sample")["summary"]["verdict_accuracy"])
    lines += ["", "Verdict accuracy per criterion against the calls' labels:", "",
              "| audio | " + " | ".join(criteria) + " |", "| --- |" + " ---: |" * len(criteria)]
    for label, r in results.items():
        if label != "telephone_sample":
            acc = r["summary"]["verdict_accuracy"]
            lines.append(f"| {label} | " + " | ".join(f"{acc.get(c, float('nan')):.0%}" for c in criteria) + " |")
    return lines + [""]


if __name__ == "__main__":
    main()

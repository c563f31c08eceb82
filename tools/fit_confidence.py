"""Fit a rubric's confidence model on labeled calls the rules were not tuned on, and write it beside the rubric.

A confidence must say how often a verdict is right on calls nobody tuned for, so it cannot be fitted on
calls the rules were written from (there every verdict is right). Two steps:

    # 1. verdicts of rules that never saw the set: a checkout of the commit before it was used for tuning
    git worktree add /tmp/before <commit>
    .venv/bin/python tools/fit_confidence.py observe ../shared/eval/labeled-dev-2 --tree /tmp/before --out obs.json
    # 2. fit: held-out figures by a 2-fold split of the calls, then the model on all of them
    .venv/bin/python tools/fit_confidence.py fit obs.json --note "labeled-dev-2 scored by <commit>" [--dry-run]

``fit`` prints, for each half of the calls, the expected calibration error and the accuracy on the 90% and
80% most confident verdicts of a model fitted on the other half, beside the raw confidences' figures, and
writes ``rubrics/calibration/<rubric>.yaml`` with them.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def observe(sets: list[Path], tree: Path | None, rubric_id: str) -> list[dict]:
    """(set, call, criterion, predicted verdict, right, raw confidence) for every labeled verdict, scored by the
    code in ``tree`` (default: this checkout). Only APIs stable across versions are used."""
    sys.path.insert(0, str((tree or ROOT).resolve()))
    from dataclasses import replace

    from qa.pipeline.imports import read_labeled
    from scoring.rubric import find_rubric
    from scoring.score import score

    rubric = find_rubric(rubric_id, (tree or ROOT) / "rubrics")
    if hasattr(rubric, "confidence"):
        from scoring.confidence import UNCALIBRATED

        rubric = replace(rubric, confidence=UNCALIBRATED)
    rows = []
    for directory in sets:
        for path in sorted(directory.glob("*.json")):
            call = read_labeled(path)
            labels = dict(call.labels)
            for r in score(call.transcript, call.features, rubric).results:
                if r.criterion_id in labels:
                    rows.append({"set": directory.name, "call": call.external_id, "criterion": r.criterion_id,
                                 "verdict": r.verdict.value, "right": r.verdict.value == labels[r.criterion_id],
                                 "raw": r.confidence, "rubric_version": rubric.version})
    return rows


def figures(confidences: list[float], right: list[bool]) -> dict[str, float]:
    from qa.metrics import accuracy_at_coverage, expected_calibration_error

    return {
        "ece": round(expected_calibration_error(confidences, right), 4),
        "accuracy": round(sum(right) / len(right), 4),
        "accuracy_at_90": round(accuracy_at_coverage(confidences, right, 0.9), 4),
        "accuracy_at_80": round(accuracy_at_coverage(confidences, right, 0.8), 4),
    }


def fit_and_write(rows: list[dict], *, rubric_id: str, note: str, dry_run: bool) -> None:
    sys.path.insert(0, str(ROOT))
    import yaml

    from qa.core.types import Verdict
    from scoring.confidence import calibration_path, fit, to_document
    from scoring.rubric import find_rubric

    rubric = find_rubric(rubric_id)
    version = rubric.confidence.version + 1
    half = {r["call"]: zlib.crc32(r["call"].encode()) % 2 for r in rows}  # a fixed split of the calls, not of verdicts
    held_out: dict[str, float] = {}
    for fold in (0, 1):
        train = [(r["criterion"], Verdict(r["verdict"]), r["right"]) for r in rows if half[r["call"]] != fold]
        test = [r for r in rows if half[r["call"]] == fold]
        model = fit(train, version=version)
        right = [r["right"] for r in test]
        got = figures([model.probability(r["criterion"], Verdict(r["verdict"]), r["raw"]) for r in test], right)
        raw = figures([r["raw"] for r in test], right)
        print(f"half {fold} ({len(test)} verdicts), fitted on the other half: {got}; raw confidences: {raw}")
        held_out |= {f"half{fold}.{k}": v for k, v in got.items()} | {f"half{fold}.raw_ece": raw["ece"]}
    model = fit(((r["criterion"], Verdict(r["verdict"]), r["right"]) for r in rows), version=version)
    document = to_document(model, rubric_id=rubric.id, fitted_on=[note], held_out=held_out)
    text = (f"# Confidence model of rubric {rubric.id}: written by tools/fit_confidence.py (see its docstring and\n"
            "# scoring/confidence.py). Fitted on verdicts of rules that had not seen these calls.\n"
            + yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    if dry_run:
        print(text)
        return
    target = calibration_path(rubric.path)
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    o = sub.add_parser("observe", help="score labeled sets, record each verdict and whether it was right")
    o.add_argument("sets", nargs="+", type=Path)
    o.add_argument("--tree", type=Path, help="a checkout whose rules never saw the sets (default: this one)")
    o.add_argument("--out", type=Path, required=True)
    o.add_argument("--rubric", default="order_desk")
    f = sub.add_parser("fit", help="fit the confidence model on observations and write it")
    f.add_argument("observations", type=Path)
    f.add_argument("--note", required=True, help="what the observations are (written as fitted_on)")
    f.add_argument("--rubric", default="order_desk")
    f.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    if args.step == "observe":
        rows = observe(args.sets, args.tree, args.rubric)
        args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=0), encoding="utf-8")
        print(f"{len(rows)} verdicts, {sum(r['right'] for r in rows) / max(1, len(rows)):.1%} right -> {args.out}")
    else:
        rows = json.loads(args.observations.read_text(encoding="utf-8"))
        fit_and_write(rows, rubric_id=args.rubric, note=args.note, dry_run=args.dry_run)


if __name__ == "__main__":
    main()

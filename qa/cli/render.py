"""Rich renderables for the commands (tables, panels of text); the commands print them.

Cells fold instead of being cut, so ids, file names and reasons always show in full.
User text goes through ``escape`` so brackets in it are not taken for markup.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from qa.core.records import CallSummary, OperatorInfo, ReviewInfo, StoredCall
from qa.core.types import Scorecard
from qa.ingest.files import readable
from qa.pipeline.batch import BatchReport
from qa.reports.exports import clock
from qa.reports.html import fmt_value, trend_text
from qa.review.scorecards import FIGURES, ScorecardReport


def table(title: str, columns, rows=(), **options) -> Table:
    """A table whose cells fold (never ellipsised); ``columns`` are names or (name, justify) pairs."""
    t = Table(title=title, title_justify="left", **options)
    for col in columns:
        name, justify = (col, "left") if isinstance(col, str) else col
        t.add_column(name, justify=justify, overflow="fold")
    for row in rows:
        t.add_row(*row)
    return t


def _when(value: datetime | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"


def batch_report_tables(report: BatchReport) -> list[Table]:
    files = table("Calls in this batch", ("file", "call", "status", "audio", "time", "reason / warnings"))
    for o in report.outcomes:
        style = {"processed": "green", "skipped": "dim", "failed": "red"}[o.status]
        detail = o.reason or ""
        if o.warnings:
            detail = "; ".join(filter(None, [detail, *o.warnings]))
        files.add_row(
            escape(readable(o.path.name)), o.call_id or "-", f"[{style}]{o.status}[/]", clock(o.audio_s) if o.audio_s else "-",
            f"{o.wall_s:.1f}s" if o.wall_s else "-", escape(detail),
        )
    summary = Table(title="Summary", show_header=False)
    summary.add_column("what")
    summary.add_column("value", justify="right")
    summary.add_row("processed", str(report.count("processed")))
    summary.add_row("skipped (already stored)", str(report.count("skipped")))
    summary.add_row("failed", f"[red]{report.count('failed')}[/]" if report.count("failed") else "0")
    if report.ignored:
        summary.add_row("ignored (not audio files)", str(len(report.ignored)))
    summary.add_row("audio processed", f"{report.audio_s / 3600:.3f} h ({report.audio_s:.0f} s)")
    summary.add_row("wall time", f"{report.wall_s:.1f} s")
    rtf = report.real_time_factor
    summary.add_row("real-time factor", f"{rtf:.2f}" if rtf is not None else "-")
    return [files, summary]


def call_view(call: StoredCall, acts: tuple[tuple[str, ...], ...] = ()) -> list:
    s, m = call.summary, call.metadata
    head = Table(show_header=False, title=f"Call {s.call_id}")
    head.add_column("field")
    head.add_column("value", overflow="fold")
    rows = [
        ("file", s.file_name), ("status", s.status if not s.error else f"failed: {s.error}"),
        ("operator", m.operator_id or "-"), ("started", m.started_at.isoformat(sep=" ") if m.started_at else "-"),
        ("direction", m.direction.value if m.direction else "-"), ("phone", m.phone or "-"), ("order", m.order_id or "-"),
        ("mode", s.mode or "-"), ("language", call.transcript.language or "-"),
        ("duration", clock(s.duration_s) if s.duration_s else "-"),
        ("roles", f"{call.transcript.role_assignment.method} (confidence {call.transcript.role_assignment.confidence:.2f})"),
        ("asr model", call.asr_model or "-"),
    ]
    removed = [f"{what} {when:%Y-%m-%d}" for what, when in (
        ("erased on request", s.erased_at), ("transcript removed", s.transcript_removed_at if not s.erased_at else None),
        ("recording removed", s.audio_removed_at if not s.erased_at else None)) if when]
    if removed:  # the scores stay; the words are gone
        rows.append(("lifecycle", "; ".join(removed)))
    for k, v in rows:
        head.add_row(k, escape(str(v)))
    out: list = [head]
    f = call.features
    if f is not None:
        feats = Table(title="Timing")
        for col in ("role", "talk", "share", "turns", "wpm", "interrupts", "latency avg/max", "loudness"):
            feats.add_column(col)
        for r in f.roles:
            lat = "-" if r.response_latency_mean_s is None else f"{r.response_latency_mean_s:.1f}/{r.response_latency_max_s:.1f}s"
            feats.add_row(
                r.role.value, f"{r.talk_s:.1f}s", f"{r.talk_ratio:.0%}", str(r.turns),
                f"{r.speech_rate_wpm:.0f}" if r.speech_rate_wpm else "-", str(r.interruptions), lat,
                f"{r.loudness_dbfs:.0f} dBFS" if r.loudness_dbfs is not None else "-",
            )
        out.append(feats)
        ratio = "-" if f.talk_listen_ratio is None else f"{f.talk_listen_ratio:.2f}"
        out.append(Text(
            f"talk/listen {ratio} · silence {f.silence_total_s:.1f}s (longest {f.silence_longest_s:.1f}s) · overtalk {f.overtalk_s:.1f}s"
        ))
    # `#` is the utterance number that `qa review comment --utterance N` takes.
    transcript = Table(title="Transcript (# = the number for `qa review comment --utterance`)", title_justify="left")
    transcript.add_column("#", justify="right", no_wrap=True)
    transcript.add_column("time", no_wrap=True)
    transcript.add_column("role", no_wrap=True)
    transcript.add_column("text", overflow="fold")
    for i, u in enumerate(call.transcript.utterances):
        color = "cyan" if u.role.value == "agent" else "magenta"
        conf = u.confidence
        text = escape(u.text) if conf is None or conf >= 0.5 else f"{escape(u.text)} [dim](low confidence {conf:.2f})[/]"
        if i < len(acts) and acts[i]:
            text += f" [dim]· {', '.join(a.replace('_', ' ') for a in acts[i])}[/]"
        transcript.add_row(str(i), clock(u.start_s), f"[{color}]{u.role.value}[/]", text)
    out.append(transcript)
    for note in call.notes:
        out.append(Text(f"note: {note}", style="dim"))
    return out




def scorecard_view(card: Scorecard, call: StoredCall | None = None) -> list:
    total = "-" if card.total is None else f"{card.total:.0f}/100"
    title = f"Scorecard {total} · {card.rubric_id} v{card.rubric_version}" + (" · CRITICAL FAIL" if card.critical_failed else "")
    t = table(title, ("criterion", "verdict", ("confidence", "right"), "why", "evidence"))
    colors = {"pass": "green", "fail": "red", "na": "dim"}
    for r in card.results:
        ev = "\n".join(evidence_line(e) for e in r.evidence if e.start_s is not None)
        conf = f"{r.confidence:.2f}" + ("\n[yellow]needs review[/]" if r.needs_review else "")
        t.add_row(r.criterion_id, f"[{colors[r.verdict.value]}]{r.verdict.value}[/]", conf, escape(r.reason), ev)
    outcome = dict(card.outcome)
    source = ""
    if outcome.get("order_source"):
        source = f" ({outcome['order_source']}" + (
            f"; the detector said {'yes' if outcome.get('order_detected') else 'no'}: check the order verdicts)"
            if outcome.get("order_disagrees") else ")")
    line = Text(
        f"order placed: {'yes' if outcome.get('order_placed') else 'no'}{source} · NPS: "
        f"{outcome.get('nps_score') if outcome.get('nps_score') is not None else '-'} · "
        + (f"rating: {outcome['service_rating']} · " if outcome.get("service_rating") is not None else "")
        + "sections: "
        + ", ".join(f"{k} {'-' if v is None else f'{v:.0f}'}" for k, v in card.section_scores)
    )
    return [t, line, *order_timeline(outcome)]


def evidence_line(e) -> str:
    """One evidence item: a quote, the window a criterion searched, or the nearest candidate and why it did not count."""
    if e.kind == "searched":
        return escape(f"searched [{clock(e.start_s)}–{clock(e.end_s)}] {e.role or 'both'}: {e.rule}")
    if e.kind == "nearest":
        return escape(f"nearest [{clock(e.start_s)}] {e.role}: «{e.quote}» — {e.rule}")
    return escape(f"[{clock(e.start_s)}] {e.role}: «{e.quote}» ({e.rule})")


def order_timeline(outcome: dict) -> list:
    """The call's order lifecycle (scoring/events.py): its status and each step, quoted."""
    events = outcome.get("order_events") or []
    if not outcome.get("order_status"):
        return []
    t = table(f"order: {outcome['order_status'].replace('_', ' ')} (confidence {outcome.get('order_confidence') or 0:.2f})",
              ("at", "step", "who", "said"))
    for e in events:
        t.add_row(clock(e["start_s"]), e["kind"].replace("_", " "), e["role"], escape(f"«{e['quote']}»"))
    return [t]


def detail_view(detail) -> list:
    """``qa show``: the call, then its newest scorecard with people's verdicts applied."""
    parts = call_view(detail.stored, detail.acts)
    if detail.effective is None:
        return [*parts, Text("Not scored yet: run `qa score`.")]
    parts += scorecard_view(detail.effective, detail.stored)
    if detail.human:
        machine = detail.scorecards[0].total if detail.scorecards else None
        parts.append(Text(f"{len(detail.human)} verdict(s) set by people; machine total was {machine}."))
    return parts


def calls_table(rows: list[CallSummary], title: str | None = None) -> Table:
    t = table(title or f"{len(rows)} call(s)", ("call", "started", "operator", "file", "mode", "lang", "length", "utt.", "status"))
    for r in rows:
        status = "[green]done[/]" if r.status == "done" else f"[red]failed[/]: {escape(r.error or '')}"
        t.add_row(
            r.call_id, r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "-", escape(r.operator_id or "-"),
            escape(r.file_name), r.mode or "-", r.language or "-", clock(r.duration_s) if r.duration_s else "-",
            str(r.utterances), status,
        )
    return t


def import_table(results) -> Table:
    styles = {"imported": "green", "skipped": "dim", "failed": "red"}
    return table("Imported transcripts", ("file", "call", "status", "utterances / reason"), (
        (escape(Path(r.path).name), r.call_id or "", f"[{styles[r.status]}]{r.status}[/]", escape(r.detail)) for r in results
    ))


def score_table(results, rubric) -> Table:
    return table(f"Scored with {rubric.id} v{rubric.version}", ("call", "status", "total", "critical fail"), (
        (r.call_id, r.status, "-" if r.total is None else f"{r.total:.0f}", "yes" if r.critical_failed else "") for r in results
    ))


def operators_table(rows: list[OperatorInfo]) -> Table:
    return table(f"{len(rows)} operator(s)", ("operator", "name", "team"),
                 ((escape(r.id), escape(r.name or "-"), escape(r.team or "-")) for r in rows))


def rubric_table(rubric) -> Table:
    return table(f"{escape(rubric.title)} ({rubric.id} v{rubric.version}, sha256 {rubric.sha256[:12]})",
                 ("section", "criterion", "title", "kind", "weight", "critical"), (
        (c.section_id, c.id, escape(c.title), c.kind, f"{c.weight:g}", "yes" if c.critical else "") for c in rubric.criteria
    ))


def models_table(models) -> Table:
    return table("Models", ("stage", "model", "location"), ((escape(m.stage), escape(m.model), escape(m.location)) for m in models))


def eval_tables(evaluation, rubric, errors: bool = False) -> list:
    """``qa eval``: the per-criterion table, the outcome against gold, the calibration line, and with ``errors``
    every disagreement with the predicted verdict's evidence."""
    reports = evaluation.reports
    noise = evaluation.noise
    heard = "" if noise is None else f" · ASR noise {noise.level:g} (seed {noise.seed}" + (
        f", WER {noise.word_error_rate:.1%})" if noise.word_error_rate is not None else ")")
    t = table(f"{rubric.id} v{rubric.version} on {evaluation.calls} labeled calls{heard}",
              ("criterion", "n", "accuracy", "precision", "recall", "F1", "gold → predicted (pass/fail/na)"))
    for cid, r in reports.items():
        conf = "  ".join(
            f"{g}: " + "/".join(str(r.confusion.get(g, {}).get(p, 0)) for p in ("pass", "fail", "na")) for g in ("pass", "fail", "na")
        )
        style = "" if r.accuracy >= 0.9 else "[yellow]"
        t.add_row(cid, str(r.n), f"{style}{r.accuracy:.1%}", f"{r.precision:.2f}", f"{r.recall:.2f}", f"{r.f1:.2f}", conf)
    mean = sum(r.accuracy for r in reports.values()) / max(1, len(reports))
    parts: list = [t, Text(f"mean accuracy {mean:.1%}, macro-F1 {sum(r.f1 for r in reports.values()) / max(1, len(reports)):.2f}")]

    def shown(value) -> str:
        return "-" if value is None else ("yes" if value is True else "no" if value is False else str(value))

    checked = [o for o in evaluation.outcome.values() if o.n]
    if checked:
        parts.append(table("outcome against gold", ("outcome", "calls", "right", "accuracy", "wrong: call gold → predicted"), (
            (o.key, str(o.n), str(o.correct), f"{'' if o.accuracy >= 0.97 else '[yellow]'}{o.accuracy:.1%}",
             escape(", ".join(f"{m.call_id} {shown(m.gold)} → {shown(m.predicted)}" for m in o.misses)))
            for o in checked
        )))
    cal = evaluation.calibration
    if cal is not None and cal.n:
        at = ", ".join(f"{acc:.1%} on the {cov:.0%} most confident" for cov, acc in cal.at_coverage if acc is not None)
        parts.append(Text(f"confidence over {cal.n} verdicts: ECE {cal.ece:.3f} ({cal.bins} bins), mean confidence "
                          f"{cal.mean_confidence:.2f}, accuracy {cal.accuracy:.1%} overall, {at}; {cal.needs_review} marked "
                          "needs_review" + ("" if cal.accuracy_trusted is None else f", {cal.accuracy_trusted:.1%} right without them")))

    def evidence_text(e) -> str:
        where = "" if e.start_s is None else f"[{clock(e.start_s)}] "
        quote = f"{e.role or '?'}: «{e.quote}» " if e.quote else ""
        kind = "" if e.kind == "quote" else f"{e.kind}: "
        return escape(f"{kind}{where}{quote}({e.rule})")

    wrong = [e for r in reports.values() for e in r.errors]
    if errors:
        parts.append(table(f"disagreements ({len(wrong)})", ("call", "criterion", "gold", "predicted", "confidence", "why", "evidence"), (
            (escape(e.call_id), e.criterion_id, e.gold, e.predicted, f"{e.confidence:.2f}", escape(e.reason),
             "\n".join(evidence_text(x) for x in e.evidence) or "-")
            for e in wrong
        )))
    elif wrong:
        parts.append(Text(f"{len(wrong)} disagreements: `qa eval --errors` lists them with their evidence", style="dim"))
    return parts


def pick_text(pick: dict) -> str:
    """A session's pick rule as people write it: ``lowest 2``, ``random 5 (seed 42)``, ``failed greeting, 5``."""
    rule, n = pick.get("rule", "?"), pick.get("n")
    if rule == "random":
        text = f"random {n} (seed {pick.get('seed')})"
    elif rule == "failed":
        text = f"failed {pick.get('criterion')}, {n}"
    elif rule == "uncertain":
        text = f"low confidence {n}"
    elif rule == "mystery":
        text = f"mystery {pick.get('campaign') or 'any'}, {n}"
    elif rule == "calls":
        text = "by hand: " + ", ".join(pick.get("calls", []))
    else:
        text = f"{rule} {n}"
    return text + (f" in {pick['period']}" if pick.get("period") else "")


def review_view(session: ReviewInfo, calls: dict[str, tuple[float | None, float | None]]) -> list:
    """A review session: its calls (machine score → with people's corrections), comments,
    human verdicts, disputes, summary. ``calls`` maps call id -> (machine total, corrected total)."""
    s = session
    head = Text(
        f"review {s.session_id} · operator {s.operator_id} · reviewer {s.reviewer} · {s.status} · "
        f"opened {s.opened_at:%Y-%m-%d %H:%M} · pick {pick_text(s.pick)}"
    )
    items = table("calls", ("call", "why", ("machine score", "right"), ("score now", "right")))
    for call_id, why in s.items:
        machine, now = calls.get(call_id, (None, None))
        items.add_row(call_id, escape(why), "-" if machine is None else f"{machine:.1f}", "-" if now is None else f"{now:.1f}")
    parts = [head, items]
    if s.comments:
        parts.append(table("comments", ("call", "at", "utt. #", "by", "comment"), (
            (c.call_id, "-" if c.at_s is None else clock(c.at_s), "-" if c.utterance_idx is None else str(c.utterance_idx),
             escape(c.author), escape(c.text))
            for c in s.comments
        )))
    if s.overrides:
        parts.append(table("human verdicts (newest last; a later one supersedes an earlier one)",
                           ("call", "criterion", "machine", "human", "by", "source", "why"), (
            (h.call_id, escape(h.criterion_id), h.machine_verdict or "-", h.verdict.value, escape(h.author or "-"), escape(h.source),
             escape(h.reason or ""))
            for h in s.overrides
        )))
    if s.disputes:
        parts.append(table("disputes", ("id", "call", "criterion", "disputed → claimed", "reason", "status", "resolution"), (
            (str(d.dispute_id), d.call_id, escape(d.criterion_id), f"{d.disputed_verdict.value} → {d.claimed_verdict.value}",
             escape(d.reason), d.status, escape(f"{d.resolved_by}: {d.resolution}") if d.resolved_by else "")
            for d in s.disputes
        )))
    if s.summary:
        parts.append(Text(f"summary: {s.summary}"))
    for action in s.actions:
        parts.append(Text(f"  action: {action}"))
    if s.acknowledged_at:
        parts.append(Text(f"acknowledged by {s.operator_id} at {s.acknowledged_at:%Y-%m-%d %H:%M}"))
    return parts


def reviews_table(rows: list[ReviewInfo]) -> Table:
    return table(f"{len(rows)} review session(s)",
                 ("id", "operator", "reviewer", "status", "opened", "pick", "calls", "overrides", "open disputes"), (
        (str(s.session_id), escape(s.operator_id), escape(s.reviewer), s.status, f"{s.opened_at:%Y-%m-%d %H:%M}",
         escape(pick_text(s.pick)), str(len(s.items)), str(len(s.overrides)), str(sum(d.status == "open" for d in s.disputes)))
        for s in rows
    ))


def audit_table(entries) -> Table:
    return table("audit trail", ("at (UTC)", "who", "action", "details"), (
        (f"{e.at:%Y-%m-%d %H:%M:%S}", escape(e.actor), e.action, escape(json.dumps(e.details, ensure_ascii=False, default=str)))
        for e in entries
    ))


def calibration_view(report) -> list:
    """Agreement per criterion for every pair of raters (reviewers and the machine), then the worst calls."""
    pairs = list(dict.fromkeys((a.rater_a, a.rater_b) for a in report.agreements))
    t = table(f"calibration {escape(report.round_name)}: agreement % / Cohen's kappa",
              ["criterion", *[(escape(f"{a} vs {b}"), "right") for a, b in pairs]])
    cells: dict[str, dict] = {}
    for a in report.agreements:
        value = "–" if a.percent is None else f"{100 * a.percent:.0f}% / " + ("n/a" if a.kappa is None else f"{a.kappa:.2f}")
        cells.setdefault(a.criterion_id, {})[(a.rater_a, a.rater_b)] = f"{value} (n={a.n})" if a.criterion_id == "all" else value
    for criterion, row in cells.items():
        t.add_row(f"[b]{criterion}[/b]" if criterion == "all" else escape(criterion), *[row.get(p, "–") for p in pairs])
    worst = table("calls with the largest disagreements", ("call", "split", "where"), (
        (d.call_id, str(d.split), escape("; ".join(f"{c}: " + ", ".join(f"{r}={v}" for r, v in given) for c, given in d.details)))
        for d in report.disagreements
    ))
    return [t, worst]


def rounds_table(rounds) -> Table:
    return table(f"{len(rounds)} calibration round(s)", ("round", "rubric", "created", "reviewers", ("verdicts", "right")), (
        (escape(r.name), escape(r.rubric_id), _when(r.created_at), escape(", ".join(r.reviewers)) or "-", str(r.labels)) for r in rounds
    ))


def _scores_cell(metrics: dict, part: str) -> str:
    """``learned / rules`` accuracy of a stored model's metrics (``cross_validated`` or ``held_out``)."""
    both = metrics.get(part) or {}
    return " / ".join("–" if not both.get(side) else f"{100 * both[side]['accuracy']:.0f}%" for side in ("learned", "rule"))


def learned_table(models) -> Table:
    return table(f"{len(models)} learned model(s): accuracy learned / rules", (
        "criterion", ("version", "right"), "trained", ("labels", "right"), "cross-validated", "held-out", "sha256", "file",
    ), (
        (m.criterion_id, str(m.version), _when(m.created_at), str(m.n_train), _scores_cell(m.metrics, "cross_validated"),
         _scores_cell(m.metrics, "held_out"), m.sha256, escape(m.path))
        for m in models
    ))


def learn_view(results) -> list:
    """Learned vs rule-based per criterion: cross-validated on the training labels, and on held-out calls;
    then how to use the last model in a rubric."""

    def cell(s):
        return "–" if s is None else f"{100 * s.accuracy:.0f}% / {s.f1:.2f}"

    t = table("learned vs rule-based (accuracy / macro-F1)",
              ("criterion", "trained on", "CV learned", "CV rules", "held-out learned", "held-out rules", "model", "time"))
    for r in results:
        classes = ", ".join(f"{k} {v}" for k, v in sorted(r.classes.items()))
        t.add_row(r.criterion_id, f"{r.n_train} ({classes})", cell(r.cv_learned), cell(r.cv_rule), cell(r.test_learned),
                  cell(r.test_rule), f"v{r.version} {r.sha256[:12]}", f"{r.seconds:.1f} s")
    last = results[-1]
    usage = Text(f"Use a model in a rubric:\n  kind: learned.v1\n  params: {{model: {last.path}, sha256: {last.sha256}}}")
    return [t, usage]


def report_table(report: ScorecardReport) -> Table:
    scope = f"team {escape(report.team_name)}" if report.team_name else "all operators"
    prev = f", trend vs {report.previous.label}" if report.previous else ""
    rubric = report.rubric_id + (f"@{report.rubric_version}" if report.rubric_version is not None else "")
    table = Table(title=f"{escape(rubric)} · {escape(report.period.label)} · {scope}{escape(prev)}", title_justify="left")
    table.add_column("operator", overflow="fold")
    for f in FIGURES:
        table.add_column(f.title, justify="right", overflow="fold")
    table.add_column("promoters / passives / detractors", justify="right", overflow="fold")
    for card in report.operators:
        cells = []
        for f in FIGURES:
            cell = fmt_value(card.now.value(f.key), f.fmt) + trend_text(card, f.key, f.fmt)
            r = card.ranks.get(f.key)
            if r is not None and r.of > 1:
                cell += f" #{r.rank}/{r.of}"
            cells.append(cell)
        f = card.now
        table.add_row(escape(card.operator_id + (f" ({card.name})" if card.name else "")), *cells, f"{f.promoters}/{f.passives}/{f.detractors}")
    t = report.team
    table.add_row("[b]everyone[/b]", *[fmt_value(t.value(f.key), f.fmt) for f in FIGURES], f"{t.promoters}/{t.passives}/{t.detractors}", end_section=True)
    return table


def criteria_table(report: ScorecardReport) -> Table:
    table = Table(title="pass rate per criterion (n/a left out; human overrides applied)", title_justify="left")
    table.add_column("criterion", overflow="fold")
    for card in report.operators:
        table.add_column(escape(card.operator_id), justify="right", overflow="fold")
    table.add_column("everyone", justify="right", overflow="fold")
    for cid in report.criteria:
        row = []
        for card in report.operators:
            cell = fmt_value(card.now.value(f"pass:{cid}"), "{:.0%}")
            r = card.ranks.get(f"pass:{cid}")
            if r is not None and r.of > 1:
                cell += f" #{r.rank}"
            row.append(cell)
        table.add_row(escape(cid), *row, fmt_value(report.team.value(f"pass:{cid}"), "{:.0%}"))
    return table


def scorecard_tables(report: ScorecardReport) -> list[Table]:
    """``qa scorecard``: the figures per operator, then the pass rate per criterion."""
    tables = [report_table(report), criteria_table(report)]
    tested = [c for c in report.operators if c.mystery is not None]
    if tested:  # its own block: test calls never count in the figures above
        tables.append(table("mystery shopper (test calls, informed campaigns)",
                            ("operator", ("entries", "right"), ("shopper", "right"), ("machine", "right"),
                             ("rating", "right")), (
            (escape(c.operator_id), str(c.mystery.entries), _share(c.mystery.shopper_score),
             _share(c.mystery.machine_score),
             "–" if c.mystery.service_rating is None else f"{c.mystery.service_rating:.1f}") for c in tested)))
    return tables


def suggestions_table(rows) -> Table:
    return table(f"{len(rows)} suggested clip(s)", ("call", "operator", "window", "verdict", "conf.", "quote", "why"), (
        (s.call_id[:12], escape(s.operator_id), f"{clock(s.start_s)}–{clock(s.end_s)}", s.verdict.value,
         f"{s.confidence:.2f}", escape(s.quote), escape(s.reason))
        for s in rows
    ))


def playlists_table(rows) -> Table:
    return table(f"{len(rows)} playlist(s)", ("id", "title", "audience", "clips", "owner", "updated"), (
        (str(p.playlist_id), escape(p.title), escape(p.audience or ""), str(len(p.items)), escape(p.owner),
         _when(p.updated_at))
        for p in rows
    ))


def playlist_view(p) -> list:
    head = Text(f"Playlist {p.playlist_id}: {p.title}")
    if p.audience or p.purpose:
        head.append(f"\n{' · '.join(x for x in (p.audience, p.purpose) if x)}", style="dim")
    items = table(f"{len(p.items)} clip(s)", ("#", "item", "call", "window", "criterion", "note", "listened by"), (
        (str(c.position), str(c.item_id), c.call_id[:12], f"{clock(c.start_s)}–{clock(c.end_s)}",
         escape(c.criterion_id or ""), escape(c.note or ""), escape(", ".join(login for login, _ in c.listened_by)))
        for c in p.items
    ))
    return [head, items]


def playlist_export_view(exported) -> list:
    rows = table(f"{len(exported.clips)} clip(s) in {readable(exported.folder)}", ("#", "audio", "s", "muted", "note"), (
        (str(c.position), escape(c.audio or f"none: {c.problem}"), "-" if c.duration_s is None else f"{c.duration_s:.1f}",
         str(len(c.muted)), escape(c.note or ""))
        for c in exported.clips
    ))
    state = "personal data masked and muted" if exported.redacted else "NOT redacted (--no-redact)"
    return [rows, Text(f"Open {readable(exported.folder / 'index.html')} — {state}.")]


def scenarios_table(rows) -> Table:
    return table(f"{len(rows)} scenario(s)", ("id", "v", "language", "persona", "title", "facts", "traps", "checklist"), (
        (escape(s.id), str(s.version), s.language, s.persona, escape(s.title), str(len(s.facts)), str(len(s.traps)),
         str(len(s.checklist)))
        for s in rows
    ))


def scenario_view(s) -> list:
    head = Text(f"{s.id} v{s.version} ({s.language}, {s.persona}): {s.title}\n", style="bold")
    head.append(f"Goal: {s.goal}", style="")
    script = table("script (what the shopper says)", ("id", "say"), ((escape(p.id), escape(p.say)) for p in s.script))
    checklist = table("checklist", ("id", "area", "weight", "maps to", "title"), (
        (escape(i.id), i.area, f"{i.weight:g}", escape(i.maps_to), escape(i.title)) for i in s.checklist))
    return [head, script, checklist]


def campaigns_table(rows) -> Table:
    return table(f"{len(rows)} campaign(s)", ("id", "name", "series", "period", "scenarios", "operators", "staff informed"), (
        (str(c.campaign_id), escape(c.name), escape(c.series), f"{c.starts_on:%Y-%m-%d} – {c.ends_on:%Y-%m-%d}",
         escape(", ".join(c.scenarios)), str(len(c.operators)), "yes" if c.staff_informed else "no")
        for c in rows
    ))


def campaign_view(c, assignments, entries) -> list:
    head = Text(f"Campaign {c.campaign_id} {c.name}: {c.title} ({c.starts_on:%Y-%m-%d} – {c.ends_on:%Y-%m-%d}, "
                f"series {c.series}, results due {c.deadline_h} h after the call)")
    if not c.staff_informed:
        head.append("\nStaff not informed: reports show teams only; not for disciplinary use.", style="yellow")
    by_assignment = {e.assignment_id: e for e in entries}
    rows = table(f"{len(assignments)} assignment(s)", ("id", "operator", "scenario", "shopper", "status", "entry", "note"), (
        (str(a.assignment_id), escape(a.operator_id), escape(a.scenario_id), escape(a.shopper or "-"), a.status,
         _entry_cell(by_assignment.get(a.assignment_id)), escape(a.note or ""))
        for a in assignments
    ))
    return [head, rows]


def _entry_cell(entry) -> str:
    if entry is None:
        return "-"
    return f"{entry.entry_id} {entry.status}" + (f": {escape(entry.error or '')}" if entry.status == "failed" else "")


def assignment_line(a) -> Text:
    return Text(f"Assignment {a.assignment_id} ({a.operator_id}, {a.scenario_id}) is {a.status}"
                + (f", shopper {a.shopper}" if a.shopper else "") + (f" — {a.note}" if a.note else ""))


def entry_view(entry) -> list:
    from qa.reports.shopper import entry_items

    head = Text(f"Entry {entry.entry_id} (assignment {entry.assignment_id}, {entry.assignment_status}): operator "
                f"{entry.operator_id}, shopper {entry.shopper}, rating {entry.service_rating}/10, scenario "
                f"{entry.scenario_id} v{entry.scenario_version}")
    if entry.status == "failed":
        head.append(f"\nThe recording could not be scored: {entry.error}\nRecording: {entry.recording}", style="red")
        return [head]
    head.append(f"\ncall {entry.call_id}  (qa show {entry.call_id[:12]})", style="dim")
    rows = entry_items(entry)
    items = table("shopper vs machine", ("item", "shopper", "machine", "", "evidence", "comment"), (
        (escape(r["item_id"]), r["shopper"] or "-", r["machine"] or "-",
         {True: "", False: "[red]≠[/]", None: ""}[r["agrees"]],
         escape(("" if r["start_s"] is None else f"[{clock(r['start_s'])}] ") + (r["quote"] or r["reason"] or "")),
         escape(r["comment"] or ""))
        for r in rows
    ))
    return [head, items]


def _share(value) -> str:
    return "–" if value is None else f"{value:.0%}"


def _groups(title: str, rows) -> Table:
    return table(title, ("", ("entries", "right"), ("shopper", "right"), ("machine", "right"), ("rubric", "right"),
                         ("rating", "right")), (
        (escape(g.key), str(g.entries), _share(g.shopper_score), _share(g.machine_score),
         "–" if g.rubric_score is None else f"{g.rubric_score:.1f}",
         "–" if g.service_rating is None else f"{g.service_rating:.1f}")
        for g in rows
    ))


def shopper_report_view(report) -> list:
    c = report.campaign
    parts: list = [Text(f"{c.title}: {report.entries} scored entries, {len(report.failed)} failed", style="bold")]
    parts += [Text(n, style="yellow") for n in report.notes]
    for title, rows in (("operators", report.by_operator), ("teams", report.by_team),
                        ("scenarios", report.by_scenario), ("checklist areas", report.by_area),
                        ("waves of the series", report.waves)):
        if rows:
            parts.append(_groups(title, rows))
    o = report.overall_agreement
    parts.append(table("shopper-machine agreement", ("item", "area", ("n", "right"), ("agree", "right"), ("kappa", "right")), [
        *((escape(a.item_id), a.area, str(a.agreement.n), _share(a.agreement.percent),
           "–" if a.agreement.kappa is None else f"{a.agreement.kappa:.2f}") for a in report.agreement),
        ("all items", "", str(o.n), _share(o.percent), "–" if o.kappa is None else f"{o.kappa:.2f}"),
    ]))
    parts.append(table("expected facts stated", ("scenario", "fact", ("passed", "right"), ("rate", "right")), (
        (escape(f.scenario_id), escape(f.item_id), f"{f.passed}/{f.checked}", _share(f.rate)) for f in report.facts)))
    if report.suspicious:
        parts.append(table("suspicious entries", ("entry", "why"),
                           ((str(i), escape("; ".join(r))) for i, r in report.suspicious)))
    for entry_id, error in report.failed:
        parts.append(Text(f"entry {entry_id} failed: {error}", style="red"))
    for entry_id, hours in report.late:
        parts.append(Text(f"entry {entry_id} handed in {hours:g} h after the call, past the {c.deadline_h} h deadline",
                          style="yellow"))
    return parts


def jobs_table(rows) -> Table:
    return table(f"{len(rows)} job(s)", ("batch", "#", "file", "status", "tries", "worker", "stage", "error"), (
        (str(j.batch_id), str(j.index), escape(j.path), j.status, str(j.attempts), escape(j.worker or ""),
         escape(j.stage or ""), escape(j.error or ""))
        for j in rows
    ))

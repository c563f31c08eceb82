"""Renderables and JSON for the CLI (no printing here)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from qa.core.records import StoredCall
from qa.core.types import Scorecard
from qa.pipeline.batch import BatchReport
from qa.reports.exports import clock
from qa.reports.html import fmt_value, trend_text
from qa.review.scorecards import FIGURES, ScorecardReport


def batch_report_tables(report: BatchReport) -> list[Table]:
    files = Table(title="Calls in this batch")
    for col in ("file", "call", "status", "audio", "time", "reason / warnings"):
        files.add_column(col)
    for o in report.outcomes:
        style = {"processed": "green", "skipped": "dim", "failed": "red"}[o.status]
        detail = o.reason or ""
        if o.warnings:
            detail = "; ".join(filter(None, [detail, *o.warnings]))
        files.add_row(
            o.path.name, o.call_id or "-", f"[{style}]{o.status}[/]", clock(o.audio_s) if o.audio_s else "-",
            f"{o.wall_s:.1f}s" if o.wall_s else "-", detail,
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


def call_view(call: StoredCall) -> list:
    s, m = call.summary, call.metadata
    head = Table(show_header=False, title=f"Call {s.call_id}")
    head.add_column("field")
    head.add_column("value")
    rows = [
        ("file", s.file_name), ("status", s.status if not s.error else f"failed: {s.error}"),
        ("operator", m.operator_id or "-"), ("started", m.started_at.isoformat(sep=" ") if m.started_at else "-"),
        ("direction", m.direction.value if m.direction else "-"), ("phone", m.phone or "-"), ("order", m.order_id or "-"),
        ("mode", s.mode or "-"), ("language", call.transcript.language or "-"),
        ("duration", clock(s.duration_s) if s.duration_s else "-"),
        ("roles", f"{call.transcript.role_assignment.method} (confidence {call.transcript.role_assignment.confidence:.2f})"),
        ("asr model", call.asr_model or "-"),
    ]
    for k, v in rows:
        head.add_row(k, str(v))
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
    transcript = Table(title="Transcript", show_lines=False)
    transcript.add_column("time", no_wrap=True)
    transcript.add_column("role", no_wrap=True)
    transcript.add_column("text")
    for u in call.transcript.utterances:
        color = "cyan" if u.role.value == "agent" else "magenta"
        conf = u.confidence
        text = u.text if conf is None or conf >= 0.5 else f"{u.text} [dim](low confidence {conf:.2f})[/]"
        transcript.add_row(clock(u.start_s), f"[{color}]{u.role.value}[/]", text)
    out.append(transcript)
    for note in call.notes:
        out.append(Text(f"note: {note}", style="dim"))
    return out




def scorecard_view(card: Scorecard, call: StoredCall | None = None) -> list:
    total = "-" if card.total is None else f"{card.total:.0f}/100"
    title = f"Scorecard {total} · {card.rubric_id} v{card.rubric_version}" + (" · CRITICAL FAIL" if card.critical_failed else "")
    table = Table(title=title)
    for col in ("criterion", "verdict", "why", "evidence"):
        table.add_column(col)
    colors = {"pass": "green", "fail": "red", "na": "dim"}
    for r in card.results:
        ev = "\n".join(
            f"[{clock(e.start_s)}] {e.role}: «{e.quote[:90]}{'…' if len(e.quote) > 90 else ''}» ({e.rule})"
            for e in r.evidence if e.start_s is not None
        )
        conf = "" if r.confidence >= 0.7 else f" (confidence {r.confidence:.2f})"
        table.add_row(r.criterion_id, f"[{colors[r.verdict.value]}]{r.verdict.value}[/]", r.reason + conf, ev)
    outcome = dict(card.outcome)
    line = Text(
        f"order placed: {'yes' if outcome.get('order_placed') else 'no'} · NPS: "
        f"{outcome.get('nps_score') if outcome.get('nps_score') is not None else '-'} · "
        + (f"rating: {outcome['service_rating']} · " if outcome.get("service_rating") is not None else "")
        + "sections: "
        + ", ".join(f"{k} {'-' if v is None else f'{v:.0f}'}" for k, v in card.section_scores)
    )
    return [table, line]


def eval_tables(reports: dict, calls: int, rubric) -> list:
    table = Table(title=f"{rubric.id} v{rubric.version} on {calls} labeled calls")
    for col in ("criterion", "n", "accuracy", "precision", "recall", "F1", "gold → predicted (pass/fail/na)"):
        table.add_column(col)
    for cid, r in reports.items():
        conf = "  ".join(
            f"{g}: " + "/".join(str(r.confusion.get(g, {}).get(p, 0)) for p in ("pass", "fail", "na")) for g in ("pass", "fail", "na")
        )
        style = "" if r.accuracy >= 0.9 else "[yellow]"
        table.add_row(cid, str(r.n), f"{style}{r.accuracy:.1%}", f"{r.precision:.2f}", f"{r.recall:.2f}", f"{r.f1:.2f}", conf)
    mean = sum(r.accuracy for r in reports.values()) / max(1, len(reports))
    return [table, Text(f"mean accuracy {mean:.1%}, macro-F1 {sum(r.f1 for r in reports.values()) / max(1, len(reports)):.2f}")]


def _table(title: str, columns: tuple[str, ...], rows) -> Table:
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    return table


def review_view(session, calls: dict[str, tuple[float | None, float | None]]) -> list:
    """A review session: its calls (machine score → with people's corrections), comments,
    human verdicts, disputes, summary. ``calls`` maps call id -> (machine total, corrected total)."""
    from qa.core.records import ReviewInfo

    s: ReviewInfo = session
    head = Text(
        f"review {s.session_id} · operator {s.operator_id} · reviewer {s.reviewer} · {s.status} · "
        f"opened {s.opened_at:%Y-%m-%d %H:%M} · pick {s.pick}"
    )
    items = Table(title="calls", title_justify="left")
    for col in ("call", "why", "machine score", "score now"):
        items.add_column(col)
    for call_id, why in s.items:
        machine, now = calls.get(call_id, (None, None))
        items.add_row(call_id, why, "-" if machine is None else f"{machine:.1f}", "-" if now is None else f"{now:.1f}")
    parts = [head, items]
    if s.comments:
        parts.append(_table("comments", ("call", "at", "utt.", "by", "comment"), (
            (c.call_id, "-" if c.at_s is None else clock(c.at_s), "-" if c.utterance_idx is None else str(c.utterance_idx), c.author, c.text)
            for c in s.comments
        )))
    if s.overrides:
        parts.append(_table("human verdicts (newest last; a later one supersedes an earlier one)",
                            ("call", "criterion", "machine", "human", "by", "source", "why"), (
            (h.call_id, h.criterion_id, h.machine_verdict or "-", h.verdict.value, h.author or "-", h.source, h.reason or "")
            for h in s.overrides
        )))
    if s.disputes:
        parts.append(_table("disputes", ("id", "call", "criterion", "disputed → claimed", "reason", "status", "resolution"), (
            (str(d.dispute_id), d.call_id, d.criterion_id, f"{d.disputed_verdict.value} → {d.claimed_verdict.value}",
             d.reason, d.status, f"{d.resolved_by}: {d.resolution}" if d.resolved_by else "")
            for d in s.disputes
        )))
    if s.summary:
        parts.append(Text(f"summary: {s.summary}"))
    for action in s.actions:
        parts.append(Text(f"  action: {action}"))
    if s.acknowledged_at:
        parts.append(Text(f"acknowledged by {s.operator_id} at {s.acknowledged_at:%Y-%m-%d %H:%M}"))
    return parts


def audit_table(entries) -> Table:
    import json as _json

    table = Table(title="audit trail", title_justify="left")
    for col in ("at (UTC)", "who", "action", "details"):
        table.add_column(col)
    for e in entries:
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, _json.dumps(e.details, ensure_ascii=False, default=str))
    return table


def calibration_view(report) -> list:
    """Agreement per criterion for every pair of raters (reviewers and the machine), then the worst calls."""
    pairs = list(dict.fromkeys((a.rater_a, a.rater_b) for a in report.agreements))
    table = Table(title=f"calibration {report.round_name}: agreement % / Cohen's kappa", title_justify="left")
    table.add_column("criterion")
    for a, b in pairs:
        table.add_column(f"{a} vs {b}", justify="right")
    cells: dict[str, dict] = {}
    for a in report.agreements:
        value = "–" if a.percent is None else f"{100 * a.percent:.0f}% / " + ("n/a" if a.kappa is None else f"{a.kappa:.2f}")
        cells.setdefault(a.criterion_id, {})[(a.rater_a, a.rater_b)] = f"{value} (n={a.n})" if a.criterion_id == "all" else value
    for criterion, row in cells.items():
        table.add_row(f"[b]{criterion}[/b]" if criterion == "all" else criterion, *[row.get(p, "–") for p in pairs])
    worst = Table(title="calls with the largest disagreements", title_justify="left")
    for col in ("call", "split", "where"):
        worst.add_column(col)
    for d in report.disagreements:
        worst.add_row(d.call_id, str(d.split), "; ".join(f"{c}: " + ", ".join(f"{r}={v}" for r, v in given) for c, given in d.details))
    return [table, worst]


def learn_table(results) -> Table:
    """Learned vs rule-based per criterion: cross-validated on the training labels, and on held-out calls."""

    def cell(s):
        return "–" if s is None else f"{100 * s.accuracy:.0f}% / {s.f1:.2f}"

    table = Table(title="learned vs rule-based (accuracy / macro-F1)", title_justify="left")
    for col in ("criterion", "trained on", "CV learned", "CV rules", "held-out learned", "held-out rules", "model", "time"):
        table.add_column(col)
    for r in results:
        classes = ", ".join(f"{k} {v}" for k, v in sorted(r.classes.items()))
        table.add_row(r.criterion_id, f"{r.n_train} ({classes})", cell(r.cv_learned), cell(r.cv_rule), cell(r.test_learned),
                      cell(r.test_rule), f"v{r.version} {r.sha256[:12]}", f"{r.seconds:.1f} s")
    return table






def report_table(report: ScorecardReport) -> Table:
    scope = f"team {report.team_name}" if report.team_name else "all operators"
    prev = f", trend vs {report.previous.label}" if report.previous else ""
    table = Table(title=f"{report.rubric_id} · {report.period.label} · {scope}{prev}", title_justify="left")
    table.add_column("operator")
    for f in FIGURES:
        table.add_column(f.title, justify="right")
    table.add_column("promoters / passives / detractors", justify="right")
    for card in report.operators:
        cells = []
        for f in FIGURES:
            cell = fmt_value(card.now.value(f.key), f.fmt) + trend_text(card, f.key, f.fmt)
            r = card.ranks.get(f.key)
            if r is not None and r.of > 1:
                cell += f" #{r.rank}/{r.of}"
            cells.append(cell)
        f = card.now
        table.add_row(card.operator_id + (f" ({card.name})" if card.name else ""), *cells, f"{f.promoters}/{f.passives}/{f.detractors}")
    t = report.team
    table.add_row("[b]everyone[/b]", *[fmt_value(t.value(f.key), f.fmt) for f in FIGURES], f"{t.promoters}/{t.passives}/{t.detractors}", end_section=True)
    return table


def criteria_table(report: ScorecardReport) -> Table:
    table = Table(title="pass rate per criterion (n/a left out; human overrides applied)", title_justify="left")
    table.add_column("criterion")
    for card in report.operators:
        table.add_column(card.operator_id, justify="right")
    table.add_column("everyone", justify="right")
    for cid in report.criteria:
        row = []
        for card in report.operators:
            cell = fmt_value(card.now.value(f"pass:{cid}"), "{:.0%}")
            r = card.ranks.get(f"pass:{cid}")
            if r is not None and r.of > 1:
                cell += f" #{r.rank}"
            row.append(cell)
        table.add_row(cid, *row, fmt_value(report.team.value(f"pass:{cid}"), "{:.0%}"))
    return table

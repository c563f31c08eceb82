"""Render a stored call as JSON (interchange format + extras), TXT, SRT or RTTM."""

from __future__ import annotations

import csv
import io
from enum import Enum
from pathlib import Path

from qa.core.errors import ConfigError
from qa.core.records import StoredCall
from qa.reports.html import ScorecardFormat
from qa.review.scorecards import FIGURES, ScorecardReport


class ExportFormat(str, Enum):
    JSON = "json"
    TXT = "txt"
    SRT = "srt"
    RTTM = "rttm"


def clock(seconds: float) -> str:
    """mm:ss.s (h:mm:ss.s past an hour)."""
    m, s = divmod(max(seconds, 0.0), 60)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:04.1f}" if h else f"{m:02d}:{s:04.1f}"


def _srt_time(seconds: float) -> str:
    ms = int(round(max(seconds, 0.0) * 1000))  # SRT has no negative times
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def to_txt(call: StoredCall) -> str:
    return "".join(f"[{clock(u.start_s)}] {u.role.value}: {u.text}\n" for u in call.transcript.utterances)


def to_srt(call: StoredCall) -> str:
    blocks = [
        f"{i}\n{_srt_time(u.start_s)} --> {_srt_time(u.end_s)}\n{u.role.value}: {u.text}\n"
        for i, u in enumerate(call.transcript.utterances, start=1)
    ]
    return "\n".join(blocks)


def to_rttm(call: StoredCall) -> str:
    """Speaker turns named by role (agent/customer); from utterances, one line each."""
    uri = call.summary.call_id
    return "".join(
        f"SPEAKER {uri} 1 {u.start_s:.3f} {u.end_s - u.start_s:.3f} <NA> <NA> {u.role.value} <NA> <NA>\n"
        for u in call.transcript.utterances
    )






def render(call: StoredCall, fmt: ExportFormat, *, redacted: bool = False) -> str:
    """``redacted``: personal data (phones, cards, e-mails, names, addresses...) masked in every utterance and word,
    timings kept (``qa.privacy``); the phone, order id and extra metadata columns left out."""
    if redacted:
        from dataclasses import replace

        from qa.privacy.redact import redact

        metadata = replace(call.metadata, phone=None, order_id=None,
                           extra=tuple((k, v) for k, v in call.metadata.extra if k == "mystery_campaign"))
        call = replace(call, transcript=redact(call.transcript).transcript, metadata=metadata,
                       source_path=Path(call.source_path).name)
    if fmt == ExportFormat.JSON:  # the interchange document: `qa import-transcript` reads it back
        from qa.ingest.interchange import dumps, to_interchange

        return dumps(to_interchange(call))
    return {ExportFormat.TXT: to_txt, ExportFormat.SRT: to_srt, ExportFormat.RTTM: to_rttm}[fmt](call)


def report_csv(report: ScorecardReport) -> str:
    buf = io.StringIO()
    keys = [f.key for f in FIGURES]
    header = ["operator", "name", "team", "period", *keys, "promoters", "passives", "detractors",
              *[f"pass_{c}" for c in report.criteria], *[f"rank_{k}" for k in keys if k != "calls"]]
    w = csv.writer(buf)
    w.writerow(header)
    for card in report.operators:
        f = card.now
        w.writerow([
            card.operator_id, card.name or "", card.team or "", report.period.label,
            *["" if f.value(k) is None else round(f.value(k), 4) for k in keys], f.promoters, f.passives, f.detractors,
            *["" if f.value(f"pass:{c}") is None else round(f.value(f"pass:{c}"), 4) for c in report.criteria],
            *[card.ranks[k].rank if k in card.ranks else "" for k in keys if k != "calls"],
        ])
    return buf.getvalue()


def render_report(report: ScorecardReport, fmt: ScorecardFormat | str) -> str:
    """Operator scorecards as CSV, JSON (``serialize.report_json``) or a self-contained HTML page."""
    from qa.reports.html import report_html
    from qa.reports.serialize import json_text, report_json

    fmt = ScorecardFormat(fmt)
    if fmt == ScorecardFormat.CSV:
        return report_csv(report)
    if fmt == ScorecardFormat.JSON:
        return json_text(report_json(report))
    if fmt == ScorecardFormat.HTML:
        return report_html(report)
    raise ConfigError("--output needs --format csv, json or html (a table is for the terminal)")

"""Mystery-shopper shapes for ``--json`` and the web, and the campaign report as CSV, JSON or a self-contained HTML
page (one place, shared by the CLI and the web)."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

from mystery_shopper.report import MACHINE_AS_ANSWER, ShopperReport
from mystery_shopper.scenario import Scenario
from qa.core.errors import ConfigError
from qa.core.records import AssignmentInfo, CampaignInfo, EntryInfo
from qa.reports.serialize import _jsonable, json_text, record_dict



def scenario_dict(s: Scenario) -> dict:
    data = record_dict(s)
    data["path"] = str(s.path)
    return data


def campaign_dict(c: CampaignInfo, assignments: Sequence[AssignmentInfo] = (), entries: Sequence[EntryInfo] = ()) -> dict:
    data = record_dict(c)
    data["assignments"] = [record_dict(a) for a in assignments]
    data["entries"] = [{"entry_id": e.entry_id, "assignment_id": e.assignment_id, "status": e.status,
                        "call_id": e.call_id, "error": e.error} for e in entries]
    return data


def entry_items(entry: EntryInfo) -> list[dict]:
    """The shopper's answer beside the machine's check, item by item; ``agrees`` is None where either said na."""
    checks = {c["item_id"]: c for c in entry.checks}
    rows = []
    for item_id in list(entry.answers) + [i for i in checks if i not in entry.answers]:
        answer = entry.answers.get(item_id, {})
        check = checks.get(item_id)
        shopper, machine = answer.get("answer"), check["verdict"] if check else None
        said = MACHINE_AS_ANSWER.get(machine) if machine else None
        agrees = shopper == said if shopper in ("yes", "no") and said in ("yes", "no") else None
        rows.append({"item_id": item_id, "area": check.get("area") if check else None, "shopper": shopper,
                     "comment": answer.get("comment"), "machine": machine, "agrees": agrees,
                     "reason": check.get("reason") if check else None, "quote": check.get("quote") if check else None,
                     "start_s": check.get("start_s") if check else None, "end_s": check.get("end_s") if check else None,
                     "confidence": check.get("confidence") if check else None})
    return rows


def entry_dict(entry: EntryInfo) -> dict:
    data = record_dict(entry)
    data["items"] = entry_items(entry)
    data["disagreements"] = sum(1 for r in data["items"] if r["agrees"] is False)
    return data


def report_json(report: ShopperReport) -> dict:
    return _jsonable(report)


# ---------------------------------------------------------------- CSV: one table, a `section` column per block


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def report_csv(report: ShopperReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["section", "key", "entries", "shopper_score", "machine_score", "rubric_score", "service_rating",
                "agreement_n", "agreement_percent", "kappa"])
    blocks = (("operator", report.by_operator), ("team", report.by_team), ("scenario", report.by_scenario),
              ("area", report.by_area), ("wave", report.waves))
    for section, rows in blocks:
        for g in rows:
            w.writerow([section, g.key, g.entries, _pct(g.shopper_score), _pct(g.machine_score),
                        "" if g.rubric_score is None else f"{g.rubric_score:.2f}",
                        "" if g.service_rating is None else f"{g.service_rating:.2f}", "", "", ""])
    for a in report.agreement:
        w.writerow(["agreement", a.item_id, "", "", "", "", "", a.agreement.n, _pct(a.agreement.percent),
                    _pct(a.agreement.kappa)])
    o = report.overall_agreement
    w.writerow(["agreement", "all items", "", "", "", "", "", o.n, _pct(o.percent), _pct(o.kappa)])
    for f in report.facts:
        w.writerow(["fact", f"{f.scenario_id}:{f.item_id}", f.checked, "", _pct(f.rate), "", "", "", "", ""])
    return buf.getvalue()


# ---------------------------------------------------------------- HTML


def _cell(value, fmt: str = "{:.0%}") -> str:
    return "–" if value is None else fmt.format(value)


def _group_table(title: str, rows) -> str:
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{html.escape(g.key)}</td><td>{g.entries}</td><td>{_cell(g.shopper_score)}</td>"
        f"<td>{_cell(g.machine_score)}</td><td>{_cell(g.rubric_score, '{:.1f}')}</td>"
        f"<td>{_cell(g.service_rating, '{:.1f}')}</td></tr>" for g in rows)
    return (f"<h2>{title}</h2><table><tr><th></th><th>entries</th><th>shopper score</th><th>machine score</th>"
            f"<th>rubric score</th><th>service rating</th></tr>{body}</table>")


def report_html(report: ShopperReport) -> str:
    c, e = report.campaign, html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(c.title)}</title><style>"
             "body{font:14px/1.4 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em}"
             ".note{background:#fff3cd;padding:.5em .8em;border-radius:4px}</style></head><body>",
             f"<h1>{e(c.title)}</h1><p>{c.starts_on:%Y-%m-%d} – {c.ends_on:%Y-%m-%d} · series {e(c.series)} · "
             f"{report.entries} scored entries, {len(report.failed)} failed</p>"]
    parts += [f"<p class='note'>{e(n)}</p>" for n in report.notes]
    parts += [_group_table("Operators", report.by_operator), _group_table("Teams", report.by_team),
              _group_table("Scenarios", report.by_scenario), _group_table("Checklist areas", report.by_area),
              _group_table("Waves of the series", report.waves)]
    rows = "".join(f"<tr><td>{e(a.item_id)}</td><td>{e(a.area)}</td><td>{a.agreement.n}</td>"
                   f"<td>{_cell(a.agreement.percent)}</td><td>{_cell(a.agreement.kappa, '{:.2f}')}</td></tr>"
                   for a in report.agreement)
    o = report.overall_agreement
    parts.append(f"<h2>Shopper–machine agreement</h2><table><tr><th>item</th><th>area</th><th>n</th><th>agree</th>"
                 f"<th>kappa</th></tr>{rows}<tr><th colspan=2>all items</th><td>{o.n}</td><td>{_cell(o.percent)}</td>"
                 f"<td>{_cell(o.kappa, '{:.2f}')}</td></tr></table>")
    facts = "".join(f"<tr><td>{e(f.scenario_id)}</td><td>{e(f.item_id)}</td><td>{f.passed}/{f.checked}</td>"
                    f"<td>{_cell(f.rate)}</td></tr>" for f in report.facts)
    parts.append(f"<h2>Expected facts stated</h2><table><tr><th>scenario</th><th>fact</th><th>passed</th>"
                 f"<th>rate</th></tr>{facts}</table>")
    if report.disagreements:
        dis = "".join(f"<tr><td>{d.entry_id}</td><td>{e(d.item_id)}</td><td>{e(d.shopper)}</td><td>{e(d.machine)}</td>"
                      f"<td>{e(d.comment or '')}</td><td>{e(d.quote or '')}</td></tr>" for d in report.disagreements)
        parts.append(f"<h2>Disagreements</h2><table><tr><th>entry</th><th>item</th><th>shopper</th><th>machine</th>"
                     f"<th>comment</th><th>evidence</th></tr>{dis}</table>")
    if report.suspicious:
        sus = "".join(f"<li>entry {i}: {e('; '.join(r))}</li>" for i, r in report.suspicious)
        parts.append(f"<h2>Suspicious entries</h2><ul>{sus}</ul>")
    parts.append("</body></html>")
    return "".join(parts)


def render_report(report: ShopperReport, fmt: str) -> str:
    if fmt == "csv":
        return report_csv(report)
    if fmt == "json":
        return json_text(report_json(report))
    if fmt == "html":
        return report_html(report)
    raise ConfigError(f"--format {fmt!r}: use table, csv, json or html (a table is for the terminal, not -o)")

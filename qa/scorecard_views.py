"""Operator scorecards as a Rich table, CSV, JSON or a self-contained HTML report
(charts drawn with matplotlib and embedded as SVG: it opens without a server)."""

from __future__ import annotations

import csv
import html
import io
from enum import Enum

from rich.table import Table

from qa.scorecards import FIGURES, Figures, OperatorCard, ScorecardReport


class ScorecardFormat(str, Enum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    HTML = "html"


def _fmt(value, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


def _trend(card: OperatorCard, key: str, fmt: str) -> str:
    """The change against the previous period, e.g. " (+4.5)" or " (-10%)"."""
    delta = card.trend(key)
    if delta is None or abs(delta) < 1e-9:
        return ""
    return f" ({100 * delta:+.0f} pp)" if "%" in fmt else f" ({delta:+.1f})"


def figures_dict(f: Figures) -> dict:
    return {
        "calls": f.calls,
        "score": None if f.score is None else round(f.score, 1),
        "critical_failures": f.critical_failures,
        "conversion": None if f.conversion is None else round(f.conversion, 4),
        "orders": f.orders,
        "nps": None if f.nps is None else round(f.nps, 1),
        "nps_counts": {"promoters": f.promoters, "passives": f.passives, "detractors": f.detractors},
        "service_rating": None if f.service_rating is None else round(f.service_rating, 2),
        "aht_s": None if f.aht_s is None else round(f.aht_s, 1),
        "talk_listen_ratio": None if f.talk_listen_ratio is None else round(f.talk_listen_ratio, 3),
        "response_latency_s": None if f.response_latency_s is None else round(f.response_latency_s, 2),
        "overridden_verdicts": f.overridden,
        "pass_rates": {cid: None if rate is None else round(rate, 4) for cid, rate, _ in f.pass_rates},
    }


def report_json(report: ScorecardReport) -> list[dict]:
    """One object per operator: the figures, the trend against the previous period and the rank in the team."""
    out = []
    for card in report.operators:
        item = {"operator": card.operator_id, "name": card.name, "team": card.team, "period": report.period.label,
                "rubric": report.rubric_id, **figures_dict(card.now)}
        item["previous"] = figures_dict(card.before) if card.before else None
        item["trend"] = {f.key: _round(card.trend(f.key)) for f in FIGURES if card.trend(f.key) is not None}
        item["rank"] = {k: {"rank": r.rank, "of": r.of, "percentile": r.percentile} for k, r in card.ranks.items()}
        out.append(item)
    return out


def _round(v):
    return None if v is None else round(v, 4)


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
            cell = _fmt(card.now.value(f.key), f.fmt) + _trend(card, f.key, f.fmt)
            r = card.ranks.get(f.key)
            if r is not None and r.of > 1:
                cell += f" #{r.rank}/{r.of}"
            cells.append(cell)
        f = card.now
        table.add_row(card.operator_id + (f" ({card.name})" if card.name else ""), *cells, f"{f.promoters}/{f.passives}/{f.detractors}")
    t = report.team
    table.add_row("[b]everyone[/b]", *[_fmt(t.value(f.key), f.fmt) for f in FIGURES], f"{t.promoters}/{t.passives}/{t.detractors}", end_section=True)
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
            cell = _fmt(card.now.value(f"pass:{cid}"), "{:.0%}")
            r = card.ranks.get(f"pass:{cid}")
            if r is not None and r.of > 1:
                cell += f" #{r.rank}"
            row.append(cell)
        table.add_row(cid, *row, _fmt(report.team.value(f"pass:{cid}"), "{:.0%}"))
    return table


# ---------------------------------------------------------------- HTML


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _trend_chart(report: ScorecardReport) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.2))
    for card in report.operators:
        labels = [label for label, _ in card.history]
        ax.plot(labels, [float("nan") if v is None else v for _, v in card.history], marker="o", label=card.operator_id)
    ax.set_ylabel("score")
    ax.set_ylim(0, 100)
    ax.set_title("score by period")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=4)
    return _svg(fig)


def _criteria_chart(report: ScorecardReport) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(report.criteria), 3) + 1))
    n = max(len(report.operators), 1)
    height = 0.8 / n
    for i, card in enumerate(report.operators):
        rates = [card.now.value(f"pass:{cid}") for cid in report.criteria]
        ax.barh([k + i * height for k in range(len(report.criteria))], [100 * (r or 0) for r in rates], height=height, label=card.operator_id)
    ax.set_yticks([k + 0.4 - height / 2 for k in range(len(report.criteria))], list(report.criteria))
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("pass rate, %")
    ax.set_title("pass rate per criterion")
    ax.legend(fontsize=8)
    return _svg(fig)


def report_html(report: ScorecardReport) -> str:
    rows = []
    for card in report.operators:
        cells = "".join(
            f"<td>{html.escape(_fmt(card.now.value(f.key), f.fmt) + _trend(card, f.key, f.fmt))}"
            + (f"<br><small>#{card.ranks[f.key].rank} of {card.ranks[f.key].of}</small>" if f.key in card.ranks else "")
            + "</td>"
            for f in FIGURES
        )
        rows.append(f"<tr><th>{html.escape(card.operator_id)}</th>{cells}"
                    f"<td>{card.now.promoters}/{card.now.passives}/{card.now.detractors}</td></tr>")
    head = "".join(f"<th>{html.escape(f.title)}</th>" for f in FIGURES)
    crit_head = "".join(f"<th>{html.escape(c.operator_id)}</th>" for c in report.operators)
    crit_rows = "".join(
        f"<tr><th>{html.escape(cid)}</th>"
        + "".join(f"<td>{_fmt(c.now.value(f'pass:{cid}'), '{:.0%}')}</td>" for c in report.operators)
        + f"<td>{_fmt(report.team.value(f'pass:{cid}'), '{:.0%}')}</td></tr>"
        for cid in report.criteria
    )
    scope = f"team {report.team_name}" if report.team_name else "all operators"
    prev = f" · trend vs {report.previous.label}" if report.previous else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scorecards {html.escape(report.period.label)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #ccc; padding: .3rem .6rem; text-align: right; }}
th:first-child {{ text-align: left; }}
small {{ color: #666; }}
</style></head><body>
<h1>Operator scorecards</h1>
<p>Rubric <b>{html.escape(report.rubric_id)}</b> · {html.escape(report.period.label)} · {html.escape(scope)}{html.escape(prev)}.
Verdicts include human overrides. NPS = % promoters (9–10) − % detractors (0–6).</p>
<table><thead><tr><th>operator</th>{head}<th>promoters/passives/detractors</th></tr></thead><tbody>
{''.join(rows)}
</tbody></table>
<h2>Trend</h2>
<figure>{_trend_chart(report)}</figure>
<h2>Pass rate per criterion</h2>
<table><thead><tr><th>criterion</th>{crit_head}<th>everyone</th></tr></thead><tbody>{crit_rows}</tbody></table>
<figure>{_criteria_chart(report)}</figure>
</body></html>
"""

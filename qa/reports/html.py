"""Operator scorecards as a Rich table, CSV, JSON or a self-contained HTML report
(charts drawn with matplotlib and embedded as SVG: it opens without a server)."""

from __future__ import annotations

import html
import io
from enum import Enum

from qa.review.scorecards import FIGURES, OperatorCard, ScorecardReport


class ScorecardFormat(str, Enum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    HTML = "html"


















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
            f"<td>{html.escape(fmt_value(card.now.value(f.key), f.fmt) + trend_text(card, f.key, f.fmt))}"
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
        + "".join(f"<td>{fmt_value(c.now.value(f'pass:{cid}'), '{:.0%}')}</td>" for c in report.operators)
        + f"<td>{fmt_value(report.team.value(f'pass:{cid}'), '{:.0%}')}</td></tr>"
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
<p>Rubric <b>{html.escape(report.rubric_id + (f"@{report.rubric_version}" if report.rubric_version is not None else ""))}</b> · {html.escape(report.period.label)} · {html.escape(scope)}{html.escape(prev)}.
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


def fmt_value(value, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


def trend_text(card: OperatorCard, key: str, fmt: str) -> str:
    """The change against the previous period, e.g. " (+4.5)" or " (-10%)"."""
    delta = card.trend(key)
    if delta is None or abs(delta) < 1e-9:
        return ""
    return f" ({100 * delta:+.0f} pp)" if "%" in fmt else f" ({delta:+.1f})"

"""The report's Scores section: what ``kenal score`` (or ``kenal run`` with scores enabled) stored for a
snapshot, read back from the ``score_runs`` and ``scores`` tables, with its charts as inline SVG."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from kenal.store import Store

SCORES = "scores"  # kenal.scores.scoring's tables; named here so the report does not import LightGBM
SCORE_RUNS = "score_runs"
PURCHASE_CHECK = "purchases"
TOP_FEATURES = 12  # bars in the global importance chart
MODEL = "#0072b2"
BASELINE = "#9aa3b2"


@dataclass
class ScoresSection:
    """One snapshot's stored scores, as the report shows them."""

    snapshot_id: str
    reports: dict[str, dict]  # per score (churn first, then the propensities by name): its score_runs report
    customers: int  # rows of the scores table
    outlook: dict | None = None  # BTYD: customers with an estimate, mean p_alive, expected purchases (90 days), CLV
    purchase_check: dict | None = None  # BTYD out of time: expected against actual purchases (scoring.validate_btyd)


def stored_scores(store: Store, snapshot_id: str) -> ScoresSection | None:
    """The snapshot's scores as stored, or None when it has none."""
    if not store.has(SCORE_RUNS):
        return None
    runs = store.table(SCORE_RUNS)
    runs = runs.filter(runs.snapshot_id == snapshot_id).select("score", "report").execute()
    if runs.empty:
        return None
    reports = {r.score: json.loads(r.report) for r in sorted(runs.itertuples(), key=lambda r: (r.score != "churn", r.score))}
    purchase_check = reports.pop(PURCHASE_CHECK, None)
    customers, outlook = 0, None
    if store.has(SCORES):
        t = store.table(SCORES)
        t = t.filter(t.snapshot_id == snapshot_id)
        aggregates = {"customers": t.count()}
        if {"p_alive", "expected_purchases_90d", "clv"} <= set(t.columns):
            aggregates |= {"with_p_alive": t.p_alive.count(), "mean_p_alive": t.p_alive.mean(),
                           "expected_purchases_90d": t.expected_purchases_90d.sum(), "with_clv": t.clv.count(),
                           "clv": t.clv.sum()}
        row = t.aggregate(**aggregates).execute().iloc[0]
        customers = int(row["customers"])
        if "with_p_alive" in row and int(row["with_p_alive"]) > 0:
            outlook = {k: (int(row[k]) if k.startswith("with_") else _float(row[k]))
                       for k in ("with_p_alive", "mean_p_alive", "expected_purchases_90d", "with_clv", "clv")}
    return ScoresSection(snapshot_id, reports, customers, outlook, purchase_check)


def _float(value) -> float | None:
    return None if value is None or value != value else float(value)


def number(value, digits: int = 3) -> str:
    """A metric to ``digits`` decimals; a dash when there is none."""
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def better(a, b, higher: bool, digits: int = 3) -> bool:
    """Whether ``a`` is better than ``b`` as the report shows them (equal when they round the same)."""
    if a is None or b is None:
        return False
    a, b = round(a, digits), round(b, digits)
    return a > b if higher else a < b


def missingness_rows(by_missingness: dict) -> list[dict]:
    """One row per missingness pattern: inputs missing for exactly the same customers (same counts and
    AUCs) share a row; the most often missing first."""
    rows: list[dict] = []
    for column, groups in by_missingness.items():
        same = next((r for r in rows if r["groups"] == groups), None)
        if same is None:
            rows.append({"inputs": [column], "groups": groups})
        else:
            same["inputs"].append(column)
    for r in rows:
        m, p = r["groups"]["missing"], r["groups"]["present"]
        r["gap"] = abs(m["roc_auc"] - p["roc_auc"]) if m["roc_auc"] is not None and p["roc_auc"] is not None else None
    return sorted(rows, key=lambda r: (-r["groups"]["missing"]["n"], r["inputs"][0]))


def calibration_svg(curve: list[dict], width: int = 460, height: int = 360) -> Markup:
    """Observed share of positives against the mean predicted probability per bin, beside the diagonal
    of perfect calibration; under it, how many customers each bin holds."""
    if not curve:
        return Markup("")
    left, right, top = 50, width - 14, 30
    bottom = height - 128  # the curve's square-ish plot
    strip_top, strip_bottom = bottom + 40, height - 32  # the bin sizes
    sx = lambda v: left + v * (right - left)  # noqa: E731
    sy = lambda v: bottom - v * (bottom - top)  # noqa: E731
    parts = [f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="#fff" stroke="#e0e4ea"/>']
    for tick in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
        parts.append(f'<line x1="{sx(tick):.1f}" y1="{top}" x2="{sx(tick):.1f}" y2="{bottom}" stroke="#eef1f5"/>'
                     f'<line x1="{left}" y1="{sy(tick):.1f}" x2="{right}" y2="{sy(tick):.1f}" stroke="#eef1f5"/>'
                     f'<text x="{sx(tick):.1f}" y="{bottom + 15}" text-anchor="middle">{tick:.1f}</text>'
                     f'<text x="{left - 6}" y="{sy(tick) + 4:.1f}" text-anchor="end">{tick:.1f}</text>')
    parts.append(f'<line x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(1):.1f}" y2="{sy(1):.1f}" stroke="{BASELINE}" '
                 'stroke-dasharray="5 4"><title>perfect calibration</title></line>')
    points = " ".join(f"{sx(b['mean_predicted']):.1f},{sy(b['fraction_positive']):.1f}" for b in curve)
    parts.append(f'<polyline points="{points}" fill="none" stroke="{MODEL}" stroke-width="2"/>')
    largest = max(b["n"] for b in curve)
    for b in curve:
        tip = (f"{b['lower']:.1f}–{b['upper']:.1f}: {b['n']:,} customers, predicted {b['mean_predicted']:.1%}, "
               f"observed {b['fraction_positive']:.1%}")
        parts.append(f'<circle cx="{sx(b["mean_predicted"]):.1f}" cy="{sy(b["fraction_positive"]):.1f}" r="4" '
                     f'fill="{MODEL}"><title>{escape(tip)}</title></circle>')
        h = (strip_bottom - strip_top) * b["n"] / largest
        x0, x1 = sx(b["lower"]) + 2, sx(b["upper"]) - 2
        parts.append(f'<rect x="{x0:.1f}" y="{strip_bottom - h:.1f}" width="{x1 - x0:.1f}" height="{max(h, 1):.1f}" '
                     f'fill="{MODEL}" fill-opacity=".35"><title>{escape(tip)}</title></rect>'
                     f'<text x="{(x0 + x1) / 2:.1f}" y="{strip_bottom - h - 3:.1f}" text-anchor="middle" '
                     f'class="small">{b["n"]:,}</text>')
    parts.append(f'<line x1="{left}" y1="{strip_bottom}" x2="{right}" y2="{strip_bottom}" stroke="#c4c9d2"/>')
    parts.append(f'<text x="{(left + right) / 2:.1f}" y="{bottom + 31}" text-anchor="middle">predicted probability '
                 f'(mean per bin)</text>'
                 f'<text x="{(left + right) / 2:.1f}" y="{height - 12}" text-anchor="middle">customers per bin of '
                 f'predicted probability</text>'
                 f'<text transform="translate(14 {(top + bottom) / 2:.1f}) rotate(-90)" text-anchor="middle">observed '
                 f'share</text>'
                 f'<text x="{left}" y="16" class="title">Calibration, out of time</text>'
                 f'<line x1="{right - 150}" y1="12" x2="{right - 130}" y2="12" stroke="{MODEL}" stroke-width="2"/>'
                 f'<text x="{right - 126}" y="16">model</text>'
                 f'<line x1="{right - 80}" y1="12" x2="{right - 60}" y2="12" stroke="{BASELINE}" stroke-dasharray="5 4"/>'
                 f'<text x="{right - 56}" y="16">perfect</text>')
    return Markup(f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="calibration curve">{"".join(parts)}</svg>')


def importance_svg(importance: list[dict], top: int = TOP_FEATURES, width: int = 460) -> Markup:
    """The ``top`` inputs by mean |SHAP value|, largest first, as horizontal bars."""
    shown = importance[:top]
    if not shown:
        return Markup("")
    row, head, label_w = 24, 34, 170
    height = head + row * len(shown) + 30
    largest = max(i["mean_abs_shap"] for i in shown) or 1.0
    span = width - label_w - 70
    parts = [f'<text x="8" y="16" class="title">What drives the score (top {len(shown)} of {len(importance)} inputs)</text>']
    for k, item in enumerate(shown):
        y = head + k * row
        w = span * item["mean_abs_shap"] / largest
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="feature">{escape(item["feature"])}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}" fill="{MODEL}" '
                     f'fill-opacity=".8"/><text x="{label_w + w + 6:.1f}" y="{y + 15}">{item["mean_abs_shap"]:.3f}</text>')
    parts.append(f'<text x="{width - 8}" y="{height - 8}" text-anchor="end">mean |SHAP value| per customer, in log-odds</text>')
    return Markup(f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="global importance">{"".join(parts)}</svg>')


def day(moment, settings) -> str:
    """An ISO timestamp (or datetime) as the date on the workspace's clock."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return settings.local(moment).strftime("%Y-%m-%d")

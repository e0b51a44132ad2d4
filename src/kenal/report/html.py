"""The HTML report: health first, then the segments, each number with its explanation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from kenal.config import Settings
from kenal.models.surrogate import condition_text
from kenal.report.sankey import sankey_svg
from kenal.report.scores import (ScoresSection, better, calibration_svg, day, importance_svg, missingness_rows, number,
                                 stored_scores)
from kenal.temporal.migration import stayed

if TYPE_CHECKING:  # the report reads a run's result; importing the pipeline here would be circular
    from kenal.pipeline import RunResult
    from kenal.store import Store

REPORT_FILE = "report.html"

FEATURE_LABELS = {
    "frequency": "orders", "avg_basket": "average basket", "recency_days": "days since last order",
    "tenure_days": "days as customer", "online_share": "share of orders online", "return_rate": "returns per order",
    "weekend_share": "share of orders at weekends", "sessions": "web/app sessions", "product_views": "product views",
    "cart_abandonment": "share of carts abandoned", "promo_visits": "promo page visits",
    "pricing_visits": "pricing page visits", "monetary": "revenue",
}


def label(feature: str) -> str:
    if feature.startswith("share_"):
        return f"share of spend on {feature[6:].replace('_', ' ')}"
    return FEATURE_LABELS.get(feature, feature.replace("_", " "))


def fmt(value: float, feature: str = "") -> str:
    if value is None or value != value:
        return "–"
    if feature.endswith("share") or feature.startswith("share_") or feature in ("return_rate", "cart_abandonment"):
        return f"{value:.0%}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if value != int(value) else f"{int(value):,}"


def rule_text(rule: dict) -> str:
    return " and ".join(condition_text(c, label) for c in rule["conditions"]) or "everyone"


# Categorical palette (Okabe-Ito and Tableau hues) that stays distinguishable for common colour blindness.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
           "#8c564b", "#7f7f7f", "#bcbd22", "#17becf")
UNASSIGNED = "#c4c9d2"


def colour(segment_id: int) -> str:
    return UNASSIGNED if segment_id < 0 else PALETTE[segment_id % len(PALETTE)]


def _short(name: str, length: int = 32) -> str:
    return name if len(name) <= length else name[:length - 1] + "…"


def projection_svg(points: list, segments: list, width: int = 760, height: int = 360) -> Markup:
    """A scatter of customers on the two principal components of the segments' space, one colour
    per segment, with a legend."""
    if not points:
        return Markup("")
    names = {s.segment_id: s.name for s in segments}
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    plot_w, pad = width - 260, 12
    sx = lambda x: pad + (x - x0) / ((x1 - x0) or 1) * (plot_w - 2 * pad)  # noqa: E731
    sy = lambda y: height - pad - (y - y0) / ((y1 - y0) or 1) * (height - 2 * pad)  # noqa: E731
    dots = "".join(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.2" fill="{colour(s)}" fill-opacity=".6"/>'
                   for x, y, s in points)
    legend = "".join(f'<circle cx="{plot_w + 16}" cy="{20 + 18 * i}" r="5" fill="{colour(s)}"/>'
                     f'<text x="{plot_w + 26}" y="{24 + 18 * i}">{s} · {escape(_short(name))}</text>'
                     for i, (s, name) in enumerate(sorted(names.items())))
    return Markup(f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="segments on two principal components">'
                  f'<rect x="0" y="0" width="{plot_w}" height="{height}" fill="#fff" stroke="#e0e4ea"/>'
                  f'{dots}{legend}</svg>')


def migration_svg(segmentation, snapshot_id: str) -> Markup:
    """The Sankey chart of a segmentation's customers from the previous snapshot to this one, in
    this snapshot's segment colours and order."""
    colours = {s.name: colour(s.segment_id) for s in segmentation.segments}
    order = [s.name for s in segmentation.segments]
    return sankey_svg(segmentation.migration, segmentation.previous_snapshot, snapshot_id, colours, order)


def local_time(moment, settings: Settings) -> str:
    """A datetime or ISO text on the workspace's clock."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return settings.local(moment).strftime("%Y-%m-%d %H:%M %Z")


def environment(settings: Settings) -> Environment:
    """The reports' Jinja environment: the package templates, autoescaped, with kenal's filters."""
    env = Environment(loader=PackageLoader("kenal.report", "templates"), autoescape=select_autoescape())
    env.filters["label"] = label
    env.filters["fmt"] = fmt
    env.filters["local"] = lambda moment: local_time(moment, settings)
    env.filters["rule"] = rule_text
    env.globals["projection_svg"] = projection_svg
    env.globals["migration_svg"] = migration_svg
    env.globals["stayed"] = stayed
    env.filters["day"] = lambda moment: day(moment, settings)
    env.filters["number"] = number
    env.globals.update(calibration_svg=calibration_svg, importance_svg=importance_svg, missingness_rows=missingness_rows,
                       better=better)
    return env


def render(result: RunResult, settings: Settings, scores: ScoresSection | None = None) -> str:
    return environment(settings).get_template("report.html").render(r=result, scores=scores,
                                                                    currency=settings.base_currency)


def write_report(workspace: Path, result: RunResult, settings: Settings, store: Store | None = None) -> Path:
    """``W/report.html`` for the run's snapshot, with its Scores section when the store holds scores for it
    (read from ``store``, or from the workspace's store opened for the purpose)."""
    if store is None:
        from kenal.store import Store

        with Store.open(Path(workspace), settings) as opened:
            scores = stored_scores(opened, result.snapshot.snapshot_id)
    else:
        scores = stored_scores(store, result.snapshot.snapshot_id)
    path = Path(workspace) / REPORT_FILE
    path.write_text(render(result, settings, scores), encoding="utf-8")
    return path

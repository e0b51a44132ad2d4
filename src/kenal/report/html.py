"""The HTML report: health first, then the segments, each number with its explanation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from typing import TYPE_CHECKING

from kenal.config import Settings

if TYPE_CHECKING:  # the report reads a run's result; importing the pipeline here would be circular
    from kenal.pipeline import RunResult

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
    return env


def render(result: RunResult, settings: Settings) -> str:
    return environment(settings).get_template("report.html").render(r=result, currency=settings.base_currency)


def write_report(workspace: Path, result: RunResult, settings: Settings) -> Path:
    path = Path(workspace) / REPORT_FILE
    path.write_text(render(result, settings), encoding="utf-8")
    return path

"""The data-health page: the first thing an analyst reads, on its own or as section 1 of the report.

The page is one self-contained file: charts are inline SVG and CSS, with no script and no external
asset, so it opens offline and can be mailed around.
"""

from __future__ import annotations

from pathlib import Path

from kenal.config import Settings
from kenal.health.checks import HealthReport
from kenal.report.html import environment

HEALTH_FILE = "health.html"
TITLE = "kenal – data health"


def render_health(report: HealthReport, settings: Settings, title: str = TITLE) -> str:
    """The standalone health page as HTML text."""
    return environment(settings).get_template(HEALTH_FILE).render(
        h=report, title=title, currency=settings.base_currency)


def write_health_html(workspace: Path, report: HealthReport, settings: Settings) -> Path:
    """Write ``workspace/health.html`` and return its path."""
    path = Path(workspace) / HEALTH_FILE
    path.write_text(render_health(report, settings), encoding="utf-8")
    return path

"""Report: the HTML an analyst reads."""

from kenal.report.health_html import HEALTH_FILE, render_health, write_health_html
from kenal.report.html import REPORT_FILE, render, write_report

__all__ = ["HEALTH_FILE", "REPORT_FILE", "render", "render_health", "write_health_html", "write_report"]

"""Report: the HTML an analyst reads."""

from kenal.report.html import REPORT_FILE, render, write_report

__all__ = ["REPORT_FILE", "render", "write_report"]

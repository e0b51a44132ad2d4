"""Health: what is wrong with the data, how much, and what was done about it."""

from kenal.health.checks import ERROR, INFO, SEVERITIES, WARNING, Check, HealthReport
from kenal.health.history import save as save_health
from kenal.health.summary import health_summary

__all__ = ["Check", "HealthReport", "health_summary", "save_health", "INFO", "WARNING", "ERROR", "SEVERITIES"]

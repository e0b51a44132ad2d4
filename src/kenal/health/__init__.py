"""Health: what is wrong with the data, how much, and what was done about it."""

from kenal.health.checks import Check, HealthReport
from kenal.health.summary import health_summary

__all__ = ["Check", "HealthReport", "health_summary"]

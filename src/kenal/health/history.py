"""Health results kept in the store, each with its snapshot, so a run can say what changed."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import ibis
import pandas as pd

from kenal.health.checks import HealthReport
from kenal.store import Store

HEALTH_RUNS = "health_runs"
# Findings whose count is a size, not a number of bad rows: only their coming and going is news.
SIZES = {"few_customers", "no_recent_data"}


def previous(store: Store) -> HealthReport | None:
    if not store.has(HEALTH_RUNS):
        return None
    t = store.table(HEALTH_RUNS)
    last = t.order_by(ibis.desc("created_at")).limit(1).select("report").execute()
    return HealthReport.from_dict(json.loads(last.report.iloc[0])) if len(last) else None


def compare(before: HealthReport, after: HealthReport) -> list[dict]:
    """Per finding (check id, table, column, reason): its count before and after, and which way it went."""
    def counts(report: HealthReport) -> dict[tuple, int]:
        return {(c.id, c.table, c.column, c.reason): c.count for c in report.checks if c.severity != "info"}

    old, new = counts(before), counts(after)
    changes = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: tuple(str(p) for p in k)):
        a, b = old.get(key), new.get(key)
        if a == b or (key[0] in SIZES and a is not None and b is not None):
            continue
        trend = "new" if a is None else "resolved" if b is None else "worse" if b > a else "better"
        changes.append({"id": key[0], "table": key[1], "column": key[2], "reason": key[3], "before": a, "after": b,
                        "trend": trend})
    return changes


def save(store: Store, report: HealthReport, snapshot_id: str | None = None) -> HealthReport:
    """Store ``report`` (with its snapshot, if any) after setting its changes since the last one."""
    last = previous(store)
    report.changes = compare(last, report) if last is not None else []
    store.append(HEALTH_RUNS, pd.DataFrame([{
        "created_at": pd.Timestamp(datetime.now(timezone.utc)), "snapshot_id": snapshot_id,
        "worst": report.worst, "report": json.dumps(report.to_dict(), default=str)}]).astype(
        {"snapshot_id": "string"}))
    return report

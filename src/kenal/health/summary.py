"""The health report: every check of every table, run as queries in the store.

Only counts, breakdowns and up to five example rows per finding come back to Python.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from kenal.config import Settings
from kenal.health import customers, events, external, interactions, tables, transactions, volume
from kenal.health.checks import ERROR, INFO, Check, HealthReport, TableSummary
from kenal.health.context import HealthContext
from kenal.schema import TABLES
from kenal.store import Store


# Findings whose count is not a number of rows of their table (sessions, series, a population).
NOT_ROW_COUNTS = {"bot_sessions", "external_stale", "external_gaps", "external_regions_unmatched",
                  "customers_without_external", "few_customers", "no_recent_data", "recent_data", "data_age", "missing_table"}


def table_score(summary: TableSummary, checks: list[Check]) -> int:
    """100 minus the share (in %) of the table's rows touched by warning or error findings."""
    touched = sum(c.share or 0.0 for c in checks if c.table == summary.table and c.severity != INFO)
    # Floored, so a table with any finding never shows a perfect 100.
    return math.floor(100 * (1 - min(1.0, touched))) if touched else 100


def health_summary(store: Store, settings: Settings | None = None, as_of: datetime | None = None,
                   now: datetime | None = None) -> HealthReport:
    settings = settings or store.settings
    now = now or datetime.now(timezone.utc)
    ctx = HealthContext(store, settings, now, as_of or store.data_cutoff(now))
    ingests = tables.latest_ingest(ctx)
    summaries, checks = [], []
    for name in TABLES:
        if not store.has(name):
            continue
        n = store.count(name)
        ingest = ingests.get(name, {})
        found, missing = tables.missing_values(ctx, name, n)
        summaries.append(TableSummary(name, n, len(store.table(name).columns), ingest.get("read"),
                                      ingest.get("loaded"), ingest.get("duplicates"), ingest.get("quarantined"),
                                      missing=missing))
        checks += tables.duplicate_rows(ingest) if ingest else []
        checks += tables.time_zones(ingest) if ingest else []
        checks += found
        checks += tables.implausible_times(ctx, name)
    checks += tables.quarantined(ctx)
    for module in (customers, events, transactions, interactions, external):
        checks += module.checks(ctx)
    if not any(s.table == "customers" for s in summaries):
        checks.append(Check(id="missing_table", table="customers", severity=ERROR, count=0,
                            message="no customers table has been ingested",
                            action="ingest a customers file: features and segments are built per customer"))
    months = volume.monthly_volume(ctx)
    enough, recommended = volume.sufficiency(ctx, months)
    checks += enough
    rows = {s.table: s.rows for s in summaries}
    for c in checks:
        if c.share is None and c.id not in NOT_ROW_COUNTS and rows.get(c.table) and c.count <= rows[c.table]:
            c.share = c.count / rows[c.table]
    for s in summaries:
        s.score = table_score(s, checks)
    return HealthReport(summaries, checks, reference_time=ctx.as_of.isoformat(),
                        volume=months, recommended_segmentation=recommended)

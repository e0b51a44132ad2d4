"""The first health checks: row counts, missing values, quarantine, implausible timestamps.

Each check runs as a query in the store; only counts and up to five example rows come back.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import ibis

from kenal.health.checks import ERROR, INFO, WARNING, Check, HealthReport, TableSummary
from kenal.ingest import QUARANTINE
from kenal.ingest.log import INGEST_LOG
from kenal.schema import TABLES, TIMESTAMP
from kenal.store import Store

EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=timezone.utc)
MISSING_WARNING = 0.10  # the rule from practice: >10% missing needs a decision, not imputation
N_EXAMPLES = 5


def _examples(t: ibis.Table, where, columns: list[str]) -> list[dict]:
    rows = t.filter(where).select(*columns).order_by("_source_row").limit(N_EXAMPLES).execute()
    return [{k: (None if v != v else str(v)) for k, v in row.items()} for row in rows.to_dict("records")]


def _missing(store: Store, name: str, n_rows: int) -> list[Check]:
    t = store.table(name)
    spec = TABLES[name]
    optional = [c.name for c in spec.columns if not c.required]
    if not optional or n_rows == 0:
        return []
    nulls = t.aggregate(**{c: t[c].isnull().sum() for c in optional}).execute().iloc[0]
    checks = []
    for col in optional:
        count = int(nulls[col])
        if count == 0:
            continue
        share = count / n_rows
        # A customer attribute missing for many customers changes what models can rely on; in
        # event-like tables most optional columns are empty by nature (page_path on track calls).
        heavy = name == "customers" and share > MISSING_WARNING
        checks.append(Check(
            id="missing_values", table=name, column=col, severity=WARNING if heavy else INFO,
            count=count, share=share,
            message=f"{col} is missing in {count:,} of {n_rows:,} rows ({share:.1%})",
            action=("more than 10% of customers lack it: kenal does not impute it; prefer segments and "
                    "scores built on other signals (spending pattern, activity)" if heavy
                    else "left missing; features treat it as unknown"),
            examples=_examples(t, t[col].isnull(), [spec.key[0], "_source_row"])))
    return checks


def _timestamps(store: Store, name: str, now: datetime) -> list[Check]:
    t = store.table(name)
    checks = []
    for col in [c.name for c in TABLES[name].columns if c.type == TIMESTAMP]:
        future = t[col] > ibis.literal(now + timedelta(days=1))
        ancient = t[col] < ibis.literal(EARLIEST_PLAUSIBLE)
        for where, what, bound in ((future, "in the future", f"after {now:%Y-%m-%d}"),
                                   (ancient, "implausibly early", f"before {EARLIEST_PLAUSIBLE:%Y-%m-%d}")):
            count = int(where.sum().execute() or 0)
            if count:
                checks.append(Check(
                    id="timestamp_out_of_range", table=name, column=col, severity=WARNING, count=count,
                    message=f"{count:,} rows have {col} {what} ({bound})",
                    action="kept in the table; snapshots read only rows up to their as-of time, so these never reach features",
                    examples=_examples(t, where, [TABLES[name].key[0], col, "_source_row"])))
    return checks


def _quarantine(store: Store) -> list[Check]:
    if not store.has(QUARANTINE):
        return []
    q = store.table(QUARANTINE)
    groups = q.group_by(["table", "reason", "column"]).aggregate(n=q.count()).order_by(["table", "reason"]).execute()
    checks = []
    for row in groups.itertuples():
        where = (q.table == row.table) & (q.reason == row.reason) & (q.column == row.column)
        examples = q.filter(where).order_by("source_row").limit(N_EXAMPLES).select(
            "source_file", "source_row", "column", "value").execute().to_dict("records")
        checks.append(Check(
            id="quarantined_rows", table=row.table, column=row.column, severity=WARNING, count=int(row.n),
            message=f"{int(row.n):,} rows of {row.table} quarantined: {row.reason} in column {row.column}",
            action="rows kept in the quarantine table with their source file and row; fix them at the source and ingest again",
            examples=[{k: (None if v != v else v) for k, v in e.items()} for e in examples]))
    return checks


def health_summary(store: Store, now: datetime | None = None) -> HealthReport:
    now = now or datetime.now(timezone.utc)
    latest = {}
    if store.has(INGEST_LOG):
        log = store.table(INGEST_LOG).execute()
        latest = {r["table"]: r for r in log.sort_values("ingested_at").to_dict("records")}
    tables, checks = [], []
    for name in TABLES:
        if not store.has(name):
            continue
        n = store.count(name)
        ingest = latest.get(name, {})
        tables.append(TableSummary(name, n, len(store.table(name).columns), ingest.get("read"),
                                   ingest.get("loaded"), ingest.get("duplicates"), ingest.get("quarantined")))
        if ingest.get("duplicates"):
            checks.append(Check(
                id="duplicate_rows", table=name, severity=INFO, count=int(ingest["duplicates"]),
                message=f"{int(ingest['duplicates']):,} rows of {ingest['file']} repeated a row already loaded (same key, same content)",
                action="loaded once; the repeats were counted and not loaded again"))
        checks += _missing(store, name, n)
        checks += _timestamps(store, name, now)
    checks += _quarantine(store)
    if not any(t.table == "customers" for t in tables):
        checks.append(Check(id="missing_table", table="customers", severity=ERROR, count=0,
                            message="no customers table has been ingested",
                            action="ingest a customers file: features and segments are built per customer"))
    return HealthReport(tables, checks)

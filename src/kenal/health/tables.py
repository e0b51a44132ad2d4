"""Checks every table gets: what ingest did, missing values, implausible times, time zones."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from kenal.health.checks import INFO, WARNING, Check
from kenal.health.context import HealthContext, examples, literal_time, records
from kenal.ingest import QUARANTINE
from kenal.ingest.log import INGEST_LOG
from kenal.schema import TABLES, TIMESTAMP

EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=timezone.utc)
MISSING_WARNING = 0.10  # the rule from practice: >10% missing needs a decision, not imputation


def duplicate_rows(ingest: dict) -> list[Check]:
    """Exact repeats of a row (same key, same content): within the file a defect, else a re-ingest."""
    checks = []
    in_file = int(ingest.get("repeated_in_file") or 0)
    stored = int(ingest.get("duplicates") or 0) - in_file
    if in_file:
        checks.append(Check(
            id="duplicate_rows", table=ingest["table"], severity=WARNING, count=in_file,
            message=f"{in_file:,} rows of {ingest['file']} repeat another row of the same file exactly "
                    "(same key, same content)",
            action="loaded once; the repeats were counted and not loaded"))
    if stored:
        checks.append(Check(
            id="already_loaded", table=ingest["table"], severity=INFO, count=stored,
            message=f"{stored:,} rows of {ingest['file']} were already in the workspace from an earlier ingest",
            action="nothing to do: ingest is idempotent, the rows were not loaded twice"))
    return checks


def missing_values(ctx: HealthContext, name: str, n_rows: int) -> tuple[list[Check], dict[str, float]]:
    """Checks per optional column with missing values, and the share missing of every column."""
    t = ctx.store.table(name)
    spec = TABLES[name]
    columns = [c.name for c in spec.columns if c.name in t.columns]
    if n_rows == 0:
        return [], {}
    # COUNT(column) reads only validity masks where a SUM of IS NULL reads every value (twice as fast).
    given = t.aggregate(**{c: t[c].count() for c in columns}).execute().iloc[0]
    nulls = {c: n_rows - int(given[c]) for c in columns}
    shares = {c: int(nulls[c]) / n_rows for c in columns if int(nulls[c])}
    checks = []
    for col in shares:
        count, share = int(nulls[col]), shares[col]
        column = spec.column(col)
        # An important attribute (income, region), missing for many customers, changes what segments
        # and scores can rely on.  Event-like tables have columns empty by nature (page_path on track
        # calls); a column with no value at all was simply not provided.
        heavy = column.important and MISSING_WARNING < share < 1.0
        if share == 1.0:
            message = f"{col} has no value in any of the {n_rows:,} rows"
            action = "not provided: whatever would use it treats it as unknown"
        else:
            message = f"{col} is missing in {count:,} of {n_rows:,} rows ({share:.1%})"
            action = (f"more than {MISSING_WARNING:.0%} of customers lack it: kenal does not impute it; segments "
                      "and scores rely on the other signals (spending pattern, activity), and models that accept "
                      "a missing value treat it as unknown" if heavy else "left missing; features treat it as unknown")
        checks.append(Check(
            id="missing_values", table=name, column=col, severity=WARNING if heavy else INFO,
            count=count, share=share, message=message, action=action,
            examples=examples(t, t[col].isnull(), [*spec.key, "_source_row"]) if heavy else []))
    return checks, shares


def implausible_times(ctx: HealthContext, name: str) -> list[Check]:
    """Timestamps after the wall clock (a device clock set wrong) or before 1990."""
    t = ctx.store.table(name)
    spec = TABLES[name]
    checks = []
    horizon = ctx.now + timedelta(days=1)  # a day of slack for clocks and zones
    for col in [c.name for c in spec.columns if c.type == TIMESTAMP]:
        future = t[col] > literal_time(horizon)
        ancient = t[col] < literal_time(EARLIEST_PLAUSIBLE)
        counts = t.aggregate(future=future.sum(), ancient=ancient.sum()).execute().iloc[0]
        for kind, where, what, action in (
            ("future", future, f"in the future (after {ctx.now:%Y-%m-%d})",
             "kept in the table; a snapshot reads only rows up to its as-of time, so these never reach features"),
            ("ancient", ancient, f"before {EARLIEST_PLAUSIBLE:%Y-%m-%d}",
             "kept, and they do reach features: check for placeholder dates such as 1900-01-01 or 1970-01-01 "
             "and fix them at the source"),
        ):
            count = int(counts[kind] or 0)
            if count:
                checks.append(Check(
                    id=f"timestamp_{kind}", table=name, column=col, severity=WARNING, count=count,
                    message=f"{count:,} rows have {col} {what}", action=action,
                    examples=examples(t, where, [*spec.key, col, "_source_row"])))
    return checks


SHIFT_HOURS = 2  # naive times whose usual hour is this far from the zoned ones' are on another clock
MIN_VALUES_FOR_SHIFT = 100


def time_zones(ingest: dict) -> list[Check]:
    """Naive timestamps are read on the workspace's clock.  Mixed with zoned ones, they are right
    when their time of day looks like the zoned values', and suspect when it is shifted by hours."""
    zones = json.loads(ingest.get("timestamp_zones") or "{}")
    checks = []
    for col, n in zones.items():
        zoned, naive = n.get("zoned", 0), n.get("naive", 0)
        if not naive:
            continue
        shift = n.get("naive_offset_hours")
        judged = zoned >= MIN_VALUES_FOR_SHIFT and naive >= MIN_VALUES_FOR_SHIFT and shift is not None
        shifted = judged and abs(shift) >= SHIFT_HOURS
        if not zoned:
            message = f"all {naive:,} values of {col} have no UTC offset"
        else:
            message = f"{col} mixes {zoned:,} values with a UTC offset and {naive:,} without one"
            if judged:
                message += (f"; the values without one run {shift:+.1f} hours from the others' time of day"
                            if shifted else "; their time of day matches the others'")
        checks.append(Check(
            id="mixed_time_zones" if zoned else "naive_timestamps", table=ingest["table"], column=col,
            severity=WARNING if shifted else INFO, count=naive,
            message=message,
            action=("read on the workspace's clock, which looks wrong for them: they are probably in another zone "
                    "(a server in UTC); fix them at the source or ingest them separately with that timezone"
                    if shifted else "read on the workspace's clock (setting timezone)")))
    return checks


def quarantined(ctx: HealthContext) -> list[Check]:
    if not ctx.store.has(QUARANTINE):
        return []
    q = ctx.store.table(QUARANTINE)
    groups = q.group_by(["table", "reason", "column"]).aggregate(n=q.count()).order_by(["table", "reason"])
    checks = []
    for row in records(groups):
        where = (q.table == row["table"]) & (q.reason == row["reason"]) & (q.column == row["column"])
        checks.append(Check(
            id="quarantined_rows", table=row["table"], column=row["column"], reason=row["reason"],
            severity=WARNING, count=row["n"],
            message=f"{row['n']:,} rows of {row['table']} quarantined: {row['reason']} in column {row['column']}",
            action="rows kept in the quarantine table with their source file and row; fix them at the source "
                   "and ingest again",
            examples=examples(q, where, ["source_file", "source_row", "column", "value"], "source_row")))
    return checks


def latest_ingest(ctx: HealthContext) -> dict[str, dict]:
    """The latest ingest log row of each table."""
    if not ctx.store.has(INGEST_LOG):
        return {}
    log = ctx.store.table(INGEST_LOG)
    rows = records(log.order_by("ingested_at"))
    return {r["table"]: r for r in rows}


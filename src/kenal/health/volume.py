"""Volume over time and whether there is enough recent data for clustering.

The rule from practice: with fewer than 10,000 customers, or no new data in the last month,
clusters are unstable or describe the past; rule-based segments (RFM, lifecycle) serve better.
"""

from __future__ import annotations

import statistics
from datetime import timedelta

import pandas as pd

from kenal import clock
from kenal.health.checks import INFO, WARNING, Check
from kenal.health.context import HealthContext, literal_time, scalar

MIN_CUSTOMERS = 10_000
RECENT_DAYS = 30
STOPPED_SHARE = 0.1
SERIES = {"customers": "created_at", "transactions": "timestamp", "events": "timestamp"}


def monthly_volume(ctx: HealthContext) -> list[dict]:
    """Rows per month (on the workspace's clock) of customers created, transactions and events."""
    months: dict[str, dict] = {}
    for name, column in SERIES.items():
        t = ctx.table(name)
        if t is None:
            continue
        t = t.filter(t[column] <= literal_time(ctx.as_of))
        # Counted per local day (a number), put into months here: date parts or text of every row
        # cost more than the count.
        per = t.group_by(day=clock.local_day(t[column], ctx.settings.timezone)).aggregate(n=t.count()).execute()
        per = per.groupby(pd.to_datetime(per.day, unit="D").dt.strftime("%Y-%m")).n.sum()
        for month, n in per.items():
            months.setdefault(month, {"month": month, **{s: 0 for s in SERIES}})[name] = int(n)
    if not months:
        return []
    # Every month from the first to the last, so a month without rows shows as 0, not as no month.
    first, last = (pd.Period(m, "M") for m in (min(months), max(months)))
    return [months.get(str(p), {"month": str(p), **{s: 0 for s in SERIES}})
            for p in pd.period_range(first, last, freq="M")]


def sufficiency(ctx: HealthContext, months: list[dict]) -> tuple[list[Check], str]:
    """Checks, and the segmentation the data support: "clustering" or "rules".

    "No new data" is judged against the data's own rhythm: the last 30 days before the as-of date
    hold less than a tenth of a typical month's transactions or events (the feed stopped), or none.
    """
    customers = ctx.table("customers")
    n_customers = 0 if customers is None else scalar(customers.count())
    since = ctx.as_of - timedelta(days=RECENT_DAYS)
    day = ctx.settings.local(ctx.as_of).strftime("%Y-%m-%d")
    recent, typical = {}, {}
    for name in ("transactions", "events"):
        t = ctx.table(name)
        if t is not None:
            window = (t.timestamp > literal_time(since)) & (t.timestamp <= literal_time(ctx.as_of))
            recent[name] = scalar(window.sum())
            full = [m[name] for m in months[:-1] if m[name]]  # the last month may be partial
            typical[name] = statistics.median(full) if full else 0
    stopped = [name for name in recent if recent[name] < STOPPED_SHARE * typical[name] or not recent[name]]
    checks = []
    advice = ("kenal skips the behavioural clustering and keeps the rule-based segmentations (RFM, lifecycle, "
              "value); set auto = false under [segmentations.behavioural] in kenal.toml to cluster anyway")
    if n_customers < MIN_CUSTOMERS:
        checks.append(Check(
            id="few_customers", table="customers", severity=WARNING, count=n_customers,
            message=f"{n_customers:,} customers is fewer than {MIN_CUSTOMERS:,}: clusters found in so few customers "
                    "are unstable, and rule-based segments (RFM) serve better",
            action=advice))
    if stopped:
        checks.append(Check(
            id="no_recent_data", table=stopped[0], severity=WARNING, count=sum(recent[n] for n in stopped),
            message=f"little or no new data in the {RECENT_DAYS} days before {day}: "
                    + ", ".join(f"{recent[n]:,} {n} against a typical month's {typical[n]:,.0f}" for n in stopped)
                    + "; clusters would describe past behaviour",
            action=advice))
    elif recent:
        checks.append(Check(
            id="recent_data", table="transactions", severity=INFO, count=sum(recent.values()),
            message=f"{', '.join(f'{n:,} {name}' for name, n in recent.items())} in the {RECENT_DAYS} days before {day}",
            action="enough recent activity to segment on"))
    age = (ctx.now - ctx.as_of).days
    if age > RECENT_DAYS:
        checks.append(Check(
            id="data_age", table="transactions", severity=INFO, count=age,
            message=f"the data end on {day}, {age:,} days before today",
            action="segments and scores describe customers as of that date; ingest newer data to bring them up to date"))
    return checks, "rules" if any(c.severity == WARNING for c in checks) else "clustering"

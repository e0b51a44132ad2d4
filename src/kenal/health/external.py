"""External data (weather, economy): stale series, gaps, regions no customer lives in."""

from __future__ import annotations

import ibis

from kenal.health.checks import INFO, WARNING, Check
from kenal.health.context import HealthContext, plural, records

STALE_DAYS = 7  # a daily series that stops a week before the as-of date no longer describes it


def series(t):
    """One row per region and indicator: first and last date, dates present, and the typical step in
    days (1 for a daily series, about 30 for a monthly one), so monthly indicators are not gappy."""
    per = t.group_by(["region", "indicator"]).aggregate(first=t.date.min(), last=t.date.max(), days=t.date.nunique())
    span = per.last.delta(per.first, unit="day")
    step = ibis.ifelse(per.days > 1, span / (per.days - 1), 1.0)
    return per.mutate(span=span, step_days=step.round(1))


def staleness(ctx: HealthContext, s) -> list[Check]:
    """Stale series among ``s``, the table of :func:`series`."""
    as_of = ctx.settings.local(ctx.as_of).date()
    s = s.mutate(days_behind=ibis.literal(as_of).delta(s.last, unit="day"))
    # Stale: the next value is more than STALE_DAYS overdue at the as-of date.
    stale = s.filter(s.days_behind > s.step_days + STALE_DAYS).select(
        "region", "indicator", "last", "step_days", "days_behind")
    stale = records(stale.order_by([ibis.desc("days_behind"), "region", "indicator"]))
    if not stale:
        return []
    return [Check(
        id="external_stale", table="external", column="date", severity=WARNING, count=len(stale),
        message=f"{plural(len(stale), 'region-indicator series', 'region-indicator series')} "
                f"{'is' if len(stale) == 1 else 'are'} more than {STALE_DAYS} days overdue at the as-of date {as_of}",
        action="features read the latest value on or before each date, so these carry old values forward; "
               "refresh the source",
        examples=stale[:5], details=stale)]


def gaps(s) -> list[Check]:
    """Missing days inside the daily series among ``s``, the table of :func:`series`."""
    s = s.filter(s.step_days < 1.5)  # daily series; a weekly or monthly one has no gaps by design
    s = s.mutate(missing_days=s.span + 1 - s.days)
    found = records(s.filter(s.missing_days > 0).select("region", "indicator", "first", "last", "missing_days")
                    .order_by([ibis.desc("missing_days"), "region", "indicator"]))
    if not found:
        return []
    n = sum(r["missing_days"] for r in found)
    return [Check(
        id="external_gaps", table="external", column="date", severity=WARNING, count=n,
        message=f"{plural(n, 'day')} {'is' if n == 1 else 'are'} missing inside "
                f"{plural(len(found), 'daily series', 'daily series')}",
        action="features read the latest value on or before each date, so a gap repeats the day before it",
        examples=found[:5], details=found)]


def regions(ctx: HealthContext, t) -> list[Check]:
    customers = ctx.table("customers")
    if customers is None:
        return []
    theirs = customers.filter(customers.region.notnull()).select(region=customers.region.strip().lower())
    ours = t.select(region_key=t.region.strip().lower(), region=t.region).distinct()
    unmatched = records(ours.anti_join(theirs.distinct(), ours.region_key == theirs.region).select("region")
                        .order_by("region"))
    covered = ours.select("region_key")
    uncovered = customers.filter(customers.region.notnull())
    uncovered = uncovered.anti_join(covered, uncovered.region.strip().lower() == covered.region_key)
    n_uncovered = int(uncovered.count().execute())
    checks = []
    if unmatched:
        names = ", ".join(r["region"] for r in unmatched[:10])
        checks.append(Check(
            id="external_regions_unmatched", table="external", column="region", severity=WARNING,
            count=len(unmatched),
            message=f"{plural(len(unmatched), 'region')} of the external data match no customer's region: {names}",
            action="their rows join to no customer; align the region names with customers.region",
            details=unmatched))
    if n_uncovered:
        per = records(uncovered.group_by("region").aggregate(customers=uncovered.count())
                      .order_by([ibis.desc("customers"), "region"]))
        checks.append(Check(
            id="customers_without_external", table="customers", column="region", severity=INFO,
            count=n_uncovered,
            message=f"{n_uncovered:,} customers live in regions the external data do not cover",
            action="external indicators are missing for them and features treat them as unknown",
            examples=per[:5], details=per))
    return checks


def checks(ctx: HealthContext) -> list[Check]:
    t = ctx.table("external")
    if t is None:
        return []
    per_series = ctx.store.materialise(series(t))
    return [*staleness(ctx, per_series), *gaps(per_series), *regions(ctx, t)]

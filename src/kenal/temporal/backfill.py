"""The as-of dates of a backfill: one snapshot per day, week or month between two dates."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kenal.errors import ConfigError

EVERY = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}


def as_of_dates(start: date, end: date, every: str) -> list[date]:
    """``start``, then every ``every`` after it, up to ``end``.  From the last day of a month, the
    steps are the last days of the following months (30 April, 31 May, 30 June)."""
    if every not in EVERY:
        raise ConfigError(f"--every '{every}' is not supported; expected one of {', '.join(EVERY)}")
    if end < start:
        raise ConfigError(f"--to {end} is before --from {start}")
    step = EVERY[every]
    if every == "month" and (pd.Timestamp(start) + pd.DateOffset(days=1)).day == 1:
        step = pd.offsets.MonthEnd(1)  # from a month's last day, every month's last day
    out, k = [], 0
    while (day := (pd.Timestamp(start) + k * step).date()) <= end:
        out.append(day)
        k += 1
    return out

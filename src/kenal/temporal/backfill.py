"""The as-of dates of a backfill: one snapshot per day, week or month between two dates."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kenal.errors import ConfigError

EVERY = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}


def as_of_dates(start: date, end: date, every: str) -> list[date]:
    """``start``, then every ``every`` after it, up to ``end``; a month after 31 January is the
    last day of February."""
    if every not in EVERY:
        raise ConfigError(f"--every '{every}' is not supported; expected one of {', '.join(EVERY)}")
    if end < start:
        raise ConfigError(f"--to {end} is before --from {start}")
    out, k = [], 0
    while (day := (pd.Timestamp(start) + k * EVERY[every]).date()) <= end:
        out.append(day)
        k += 1
    return out

"""Currency conversion at ingest: every transaction gets its amount in the base currency.

The rate used is the latest one on or before the transaction's local date.  A currency with no
rate at all is ``unknown_currency``; one whose first rate comes after the transaction is
``missing_fx_rate``.  Both go to quarantine rather than into revenue at a guessed rate.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from kenal import clock
from kenal.store import Store


def _day_number(days: pd.DatetimeIndex) -> list[int]:
    """Days from 1970-01-01, as :func:`kenal.clock.local_day` numbers a transaction's local date."""
    return (days.normalize() - pd.Timestamp("1970-01-01")).days.tolist()


def daily_rates(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per currency and day from its first to its last rate, the latest rate on or before that day; and
    per currency its last day and rate, which hold for every later day.

    The rates table is small (currencies x days), so it is filled here and joined by equality in the
    engine: an as-of join is not available on every engine."""
    fx = store.table("fx_rates").select("date", "currency", "rate").execute() if store.has("fx_rates") else \
        pd.DataFrame({"date": [], "currency": [], "rate": []})
    filled, latest = [], []
    for currency, rates in fx.dropna().groupby("currency"):
        rate = rates.set_index(pd.to_datetime(rates["date"]))["rate"].sort_index()
        days = pd.date_range(rate.index[0], rate.index[-1], freq="D")
        day_numbers = _day_number(days)  # the last one is the last rate's day
        filled.append(pd.DataFrame({"_fx_currency": currency, "_fx_day": day_numbers,
                                    "_fx_rate": rate.reindex(days).ffill().to_numpy()}))
        latest.append((currency, day_numbers[-1], float(rate.iloc[-1])))
    filled = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(
        {"_fx_currency": pd.Series(dtype="string"), "_fx_day": pd.Series(dtype="int64"),
         "_fx_rate": pd.Series(dtype="float64")})
    return filled, pd.DataFrame(latest or [("\u2205", None, None)], columns=["_known", "_last_day", "_last_rate"])


def convert(staged: ir.Table, store: Store) -> ir.Table:
    base = store.settings.base_currency
    day = clock.local_day(staged.timestamp, store.settings.timezone)  # a number: no calendar per row
    staged = staged.mutate(currency=staged.currency.upper(), _day=day)
    daily, latest = daily_rates(store)
    fx = ibis.memtable(daily, schema={"_fx_currency": "string", "_fx_day": "int64", "_fx_rate": "float64"})
    known = ibis.memtable(latest, schema={"_known": "string", "_last_day": "int64", "_last_rate": "float64"})
    joined = staged.left_join(fx, (staged.currency == fx._fx_currency) & (staged._day == fx._fx_day))
    joined = joined.select(*staged.columns, "_fx_rate")
    joined = joined.left_join(known, joined.currency == known._known)

    is_base = joined.currency == base
    rate = joined._fx_rate.coalesce(ibis.ifelse(joined._day > joined._last_day, joined._last_rate, ibis.null("float64")))
    fx_rate = ibis.ifelse(is_base, 1.0, rate)
    unknown = joined._reason.isnull() & ~is_base & joined._known.isnull()
    missing = joined._reason.isnull() & ~is_base & joined._known.notnull() & rate.isnull()
    return joined.mutate(
        fx_rate=fx_rate,
        amount_base=joined.amount * fx_rate,
        _reason=ibis.cases((unknown, "unknown_currency"), (missing, "missing_fx_rate"), else_=joined._reason),
        _reason_column=ibis.ifelse(unknown | missing, "currency", joined._reason_column),
        _reason_value=ibis.ifelse(unknown | missing, joined.currency, joined._reason_value),
    ).drop("_day", "_fx_rate", "_known", "_last_day", "_last_rate")

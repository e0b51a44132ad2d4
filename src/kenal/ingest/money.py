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


def daily_rates(store: Store, last_day) -> pd.DataFrame:
    """Per currency and day, the latest rate on or before that day, up to ``last_day``.

    The rates table is small (currencies x days), so it is filled here and joined by equality in the
    engine: an as-of join is not available on every engine."""
    fx = store.table("fx_rates").select("date", "currency", "rate").execute()
    filled = []
    for currency, rates in fx.dropna().groupby("currency"):
        rate = rates.set_index(pd.to_datetime(rates["date"]))["rate"].sort_index()
        days = pd.date_range(rate.index[0], max(rate.index[-1], pd.Timestamp(last_day)), freq="D")
        filled.append(pd.DataFrame({"_fx_currency": currency, "_fx_day": days.date,
                                    "_fx_rate": rate.reindex(days).ffill().to_numpy()}))
    return pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(
        {"_fx_currency": pd.Series(dtype="string"), "_fx_day": pd.Series(dtype="object"),
         "_fx_rate": pd.Series(dtype="float64")})


def convert(staged: ir.Table, store: Store) -> ir.Table:
    base = store.settings.base_currency
    day = clock.to_local(staged.timestamp, store.settings.timezone).cast("date")
    staged = staged.mutate(currency=staged.currency.upper(), _day=day)
    if store.has("fx_rates"):
        last_day = staged._day.max().execute()
        rates = daily_rates(store, last_day if last_day is not None and last_day == last_day else "1970-01-01")
    else:  # no rates loaded: only the base currency can be converted
        rates = pd.DataFrame({"_fx_currency": ["\u2205"], "_fx_day": [None], "_fx_rate": [1.0]})
    fx = ibis.memtable(rates, schema={"_fx_currency": "string", "_fx_day": "date", "_fx_rate": "float64"})
    known = fx.select(_known=fx._fx_currency).distinct()
    joined = staged.left_join(fx, (staged.currency == fx._fx_currency) & (staged._day == fx._fx_day))
    joined = joined.select(*staged.columns, "_fx_rate").drop("_day")
    joined = joined.left_join(known, joined.currency == known._known)

    is_base = joined.currency == base
    fx_rate = ibis.ifelse(is_base, 1.0, joined._fx_rate)
    unknown = joined._reason.isnull() & ~is_base & joined._known.isnull()
    missing = joined._reason.isnull() & ~is_base & joined._known.notnull() & joined._fx_rate.isnull()
    return joined.mutate(
        fx_rate=fx_rate,
        amount_base=joined.amount * fx_rate,
        _reason=ibis.cases((unknown, "unknown_currency"), (missing, "missing_fx_rate"), else_=joined._reason),
        _reason_column=ibis.ifelse(unknown | missing, "currency", joined._reason_column),
        _reason_value=ibis.ifelse(unknown | missing, joined.currency, joined._reason_value),
    ).drop("_fx_rate", "_known")

"""Currency conversion at ingest: every transaction gets its amount in the base currency.

The rate used is the latest one on or before the transaction's local date.  A currency with no
rate at all is ``unknown_currency``; one whose first rate comes after the transaction is
``missing_fx_rate``.  Both go to quarantine rather than into revenue at a guessed rate.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from kenal.ingest.parse import TIMESTAMP_TYPE
from kenal.store import Store


def convert(staged: ir.Table, store: Store) -> ir.Table:
    base = store.settings.base_currency
    staged = staged.mutate(currency=staged.currency.upper())
    if store.has("fx_rates"):
        fx = store.table("fx_rates")
        fx = fx.select(_fx_currency=fx.currency, _fx_rate=fx.rate, _fx_at=fx.date.cast(TIMESTAMP_TYPE))
    else:  # no rates loaded: only the base currency can be converted
        fx = ibis.memtable({"_fx_currency": ["\u2205"], "_fx_rate": [1.0], "_fx_at": [None]},
                           schema={"_fx_currency": "string", "_fx_rate": "float64", "_fx_at": TIMESTAMP_TYPE})
    known = fx.select(_known=fx._fx_currency).distinct()
    timed = staged.filter(staged.timestamp.notnull())
    joined = timed.asof_join(fx, on=timed.timestamp >= fx._fx_at,
                             predicates=timed.currency == fx._fx_currency)
    joined = joined.select(*staged.columns, "_fx_rate")
    joined = joined.union(staged.filter(staged.timestamp.isnull()).mutate(_fx_rate=ibis.null("float64")))
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

"""What every health check needs: the store, the settings and the times it measures against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import ibis
import ibis.expr.types as ir

from kenal.config import Settings
from kenal.store import Store

N_EXAMPLES = 5


@dataclass(frozen=True)
class HealthContext:
    store: Store
    settings: Settings
    now: datetime  # the wall clock: a timestamp after it cannot be true
    as_of: datetime  # the reference for "recent" and "stale": the snapshot's as-of time

    def table(self, name: str) -> ir.Table | None:
        return self.store.table(name) if self.store.has(name) else None


def plain(value):
    """A value as it goes into JSON: NaN and NaT become None, timestamps ISO text."""
    if value is None or value != value:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def examples(t: ir.Table, where: ir.BooleanValue | None, columns: list[str],
             order_by: str | list[str] = "_source_row") -> list[dict]:
    """Up to five rows of ``t`` where ``where`` holds, in input order."""
    rows = t if where is None else t.filter(where)
    rows = rows.order_by(order_by).select(*columns).limit(N_EXAMPLES).execute()
    return [{k: plain(v) for k, v in row.items()} for row in rows.to_dict("records")]


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 region``, ``2 regions``, with thousands separators."""
    return f"{n:,} {word if n == 1 else words or word + 's'}"


def scalar(expr: ir.Scalar) -> int:
    value = expr.execute()
    return 0 if value is None or value != value else int(value)


def records(t: ir.Table) -> list[dict]:
    return [{k: plain(v) for k, v in row.items()} for row in t.execute().to_dict("records")]


def literal_time(moment: datetime) -> ir.TimestampScalar:
    return ibis.literal(moment, type="timestamp('UTC')")

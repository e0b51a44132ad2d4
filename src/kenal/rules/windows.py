"""The values of a rule's function calls, per customer, computed by the engine from the store.

Events are people's events attributed to customers exactly as the feature table sees them (bot
sessions removed, anonymous events linked through identify calls: :func:`kenal.sessions.customer_events`).
A customer with no rows in a window counts 0; so does everyone when the store has no such table.

Behaviour shifts (``behaviour_shift``) are the snapshot's stored ``behaviour_shifts`` rows when
``table`` is a snapshot's feature table (it has a snapshot_id) and the store has them; otherwise they
are computed for ``table``'s customers as of ``as_of`` (:func:`kenal.temporal.shifts.behaviour_shifts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir

from kenal.rules.functions import FUNCTIONS
from kenal.rules.tree import Call
from kenal.sessions import customer_events
from kenal.store import Store
from kenal.temporal.shifts import BEHAVIOUR_SHIFTS, behaviour_shifts

PREFIX = "_rule_call_"  # the columns of call values; never a field (see kenal.rules.check.field_types)


def call_columns(calls: Sequence[Call]) -> dict[Call, str]:
    """The column that holds each distinct call's value."""
    return {call: f"{PREFIX}{i}" for i, call in enumerate(dict.fromkeys(calls))}


def with_windows(store: Store, as_of: datetime, table: ir.Table, calls: Sequence[Call]) -> ir.Table:
    """``table`` (one row per customer_id) with a column per distinct call (:func:`call_columns`)."""
    columns = call_columns(calls)
    for source in ("events", "transactions", BEHAVIOUR_SHIFTS):
        mine = {call: column for call, column in columns.items() if FUNCTIONS[call.name].source == source}
        if not mine:
            continue
        if store.has(source) or source == BEHAVIOUR_SHIFTS:
            agg = _aggregate(_rows(store, source, as_of, table), as_of, mine)
            table = table.left_join(agg, "customer_id").drop("customer_id_right")
        table = table.mutate(**{column: _filled(table, column, call) for call, column in mine.items()})
    return table


def _rows(store: Store, source: str, as_of: datetime, table: ir.Table) -> ir.Table:
    if source == "events":
        return customer_events(store, as_of)
    if source == BEHAVIOUR_SHIFTS:
        return _shifts(store, as_of, table)
    t = store.table(source)
    return t.filter(t.timestamp <= as_of)


def _shifts(store: Store, as_of: datetime, table: ir.Table) -> ir.Table:
    """Flagged behaviour shifts (customer_id, direction), timed by their change date."""
    if "snapshot_id" in table.columns and store.has(BEHAVIOUR_SHIFTS):
        s = store.table(BEHAVIOUR_SHIFTS)
        s = s.semi_join(table.select("snapshot_id").distinct(), "snapshot_id")
    else:
        found = behaviour_shifts(store, as_of, table.select("customer_id"))
        found = found.loc[found["shift"], ["customer_id", "direction", "change_date"]].reset_index(drop=True)
        s = ibis.memtable(found, schema={"customer_id": "string", "direction": "string",
                                         "change_date": "timestamp('UTC')"})
    return s.select("customer_id", "direction", timestamp=s.change_date)


def _aggregate(rows: ir.Table, as_of: datetime, calls: dict[Call, str]) -> ir.Table:
    """One grouped pass over the rows of the widest window; each call keeps its own window."""
    rows = rows.filter(rows.timestamp > as_of - timedelta(days=max(call.days for call in calls)))
    values = {}
    for call, column in calls.items():
        fn = FUNCTIONS[call.name]
        inside = (rows.timestamp > as_of - timedelta(days=call.days)) & fn.matches(rows, *call.args)
        values[column] = rows[fn.total].sum(where=inside) if fn.total else inside.sum()
    return rows.group_by("customer_id").aggregate(**values)


def _filled(table: ir.Table, column: str, call: Call) -> ir.NumericValue:
    total = FUNCTIONS[call.name].total is not None
    dtype, zero = ("float64", 0.0) if total else ("int64", 0)
    value = table[column] if column in table.columns else ibis.null(dtype)
    return value.cast(dtype).coalesce(ibis.literal(zero, type=dtype))

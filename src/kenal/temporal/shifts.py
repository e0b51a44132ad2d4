"""Behaviour shifts: customers whose purchase rhythm broke from their own history, and when.

Each customer's purchases are counted per week, in the engine (only the customers × weeks counts
come to Python, as (customer, week, count) cells), over the whole weeks before ``as_of``: weeks end
at ``as_of``, go back at most ``MAX_WEEKS``, and start no earlier than the store's first purchase
or the customer's own creation (the week it joined is left out, as are partial weeks).  The
Poisson rate-change test of :func:`kenal.temporal.changepoint.poisson_change_points` then finds
the most likely week the rate changed, and flags a shift when the change is significant (Bonferroni
over the splits tried) and at least two-fold.  Customers are tested ``CHUNK`` at a time, so a
million customers need no dense million-row matrix.

A customer with too few purchases to ever be significant (see :func:`min_purchases`) or too short
a history (fewer than ``2 · min_weeks`` weeks) is not tested and has no row.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow.compute as pc
from scipy.stats import chi2

from kenal.outputs.snapshots import replace_rows
from kenal.store import Store
from kenal.temporal.changepoint import poisson_change_points

BEHAVIOUR_SHIFTS = "behaviour_shifts"  # output table: one row per snapshot and flagged customer
WEEK = 7 * 86_400  # seconds
MAX_WEEKS = 156    # three years of history at most: older habits say little about a change now
MIN_WEEKS = 8      # weeks on each side of a split
ALPHA = 0.001      # significance after the Bonferroni correction
MIN_RATIO = 2.0    # the rate must at least double or halve
CHUNK = 20_000     # customers per dense counts matrix (20,000 × 156 weeks: 25 MB of float64)

COLUMNS = {"customer_id": "string", "shift": "boolean", "change_date": "timestamp('UTC')",
           "direction": "string", "rate_before": "float64", "rate_after": "float64", "p_value": "float64",
           "weeks": "int64", "purchases": "int64"}
STORED = {"snapshot_id": "string", **{k: v for k, v in COLUMNS.items() if k != "shift"}}


def min_purchases(n_weeks: int, min_weeks: int = MIN_WEEKS, alpha: float = ALPHA) -> int:
    """The fewest purchases that can be flagged: N purchases give at most N·ln(weeks / min_weeks) of
    log-likelihood ratio (all of them in the shortest allowed side), and the p-value is at least the
    uncorrected one."""
    bound = 2 * math.log(n_weeks / min_weeks)
    return max(1, math.floor(chi2.isf(alpha, 1) / bound) + 1) if bound > 0 else 1


def _empty() -> pd.DataFrame:
    dtypes = {"string": "string[pyarrow]", "boolean": bool, "timestamp('UTC')": "datetime64[ns, UTC]",
              "float64": float, "int64": np.int64}
    return pd.DataFrame({k: pd.Series(dtype=dtypes[v]) for k, v in COLUMNS.items()})


def behaviour_shifts(store: Store, as_of: datetime, customers: ir.Table | None = None, *,
                     min_weeks: int = MIN_WEEKS, alpha: float = ALPHA, min_ratio: float = MIN_RATIO,
                     max_weeks: int = MAX_WEEKS) -> pd.DataFrame:
    """One row per tested customer (of ``customers``' customer_id, if given; created by ``as_of``):
    ``shift`` (flagged), ``change_date`` (start of the first week at the new rate), ``direction``
    ("up" / "down"), ``rate_before`` and ``rate_after`` (purchases per week), ``p_value``, ``weeks``
    of history tested and ``purchases`` in them.  Ordered by customer_id."""
    if not store.has("transactions") or not store.has("customers"):
        return _empty()
    end = int((as_of if as_of.tzinfo else as_of.replace(tzinfo=timezone.utc)).timestamp())
    t = store.table("transactions")
    t = t.filter((t.kind == "purchase") & (t.timestamp <= as_of))
    start = t.timestamp.min().execute()
    if start is None or pd.isna(start):
        return _empty()
    n_weeks = min(max_weeks, (end - int(pd.Timestamp(start).timestamp())) // WEEK)
    if n_weeks < 2 * min_weeks:
        return _empty()
    bought = t.select("customer_id", e=t.timestamp.epoch_seconds())
    bought = bought.filter(bought.e > end - n_weeks * WEEK)
    people = store.table("customers").filter(lambda c: c.created_at <= as_of)
    if customers is not None:
        people = people.semi_join(customers, "customer_id")
    per = bought.group_by("customer_id").aggregate(purchases=bought.count(), first_e=bought.e.min())
    joined = per.join(people.select("customer_id", "created_at"), "customer_id")
    joined = joined.filter(joined.purchases >= min_purchases(n_weeks, min_weeks, alpha))
    # the customer's first whole week (weeks run back from as_of); no creation date: its first purchase
    joined = joined.mutate(first=ibis.greatest(
        0, n_weeks - (end - joined.created_at.epoch_seconds().coalesce(joined.first_e)) // WEEK))
    joined = joined.filter(n_weeks - joined.first >= 2 * min_weeks).select("customer_id", "first")
    tested = store.materialise(joined)
    info = tested.order_by("customer_id").to_pyarrow()
    if info.num_rows == 0:
        return _empty()
    cells = bought.semi_join(tested, "customer_id")
    cells = cells.mutate(week=(end - cells.e) // WEEK)
    cells = cells.group_by(["customer_id", "week"]).aggregate(n=cells.count()).to_pyarrow()

    ids = info["customer_id"].combine_chunks()
    first = info["first"].to_numpy().astype(np.int64)
    row = pc.index_in(cells["customer_id"], value_set=ids.cast(cells["customer_id"].type))
    row = row.to_numpy(zero_copy_only=False).astype(np.int64)
    col = n_weeks - 1 - cells["week"].to_numpy().astype(np.int64)
    count = cells["n"].to_numpy().astype(np.float32)
    order = np.argsort(row, kind="stable")
    row, col, count = row[order], col[order], count[order]
    bounds = np.searchsorted(row, np.arange(0, len(ids) + CHUNK, CHUNK).clip(max=len(ids)))
    parts = []
    for i, lo in enumerate(range(0, len(ids), CHUNK)):
        hi = min(lo + CHUNK, len(ids))
        a, b = bounds[i], bounds[i + 1]
        m = np.zeros((hi - lo, n_weeks), np.float32)
        m[row[a:b] - lo, col[a:b]] = count[a:b]
        found = poisson_change_points(m, min_weeks=min_weeks, alpha=alpha, min_ratio=min_ratio, first=first[lo:hi])
        found["purchases"] = m.sum(axis=1).astype(np.int64)
        parts.append(found)
    found = pd.concat(parts, ignore_index=True)
    week_start = end - (n_weeks - found.change_week.to_numpy()) * WEEK
    return pd.DataFrame({
        "customer_id": ids.to_pandas(types_mapper=pd.ArrowDtype).astype("string[pyarrow]"),
        "shift": found["shift"].to_numpy(),
        "change_date": pd.to_datetime(week_start, unit="s", utc=True),
        "direction": found.direction.astype("string[pyarrow]"),
        "rate_before": found.rate_before, "rate_after": found.rate_after, "p_value": found.p_value,
        "weeks": (n_weeks - first).astype(np.int64), "purchases": found.purchases,
    })


def store_behaviour_shifts(store: Store, snapshot_id: str, as_of: datetime,
                           customers: ir.Table | None = None) -> int:
    """Write the flagged customers of :func:`behaviour_shifts` as the snapshot's rows of the
    ``behaviour_shifts`` table (a re-run of the snapshot replaces them); returns how many."""
    found = behaviour_shifts(store, as_of, customers)
    flagged = found[found["shift"]].drop(columns="shift")
    flagged.insert(0, "snapshot_id", snapshot_id)
    replace_rows(store, BEHAVIOUR_SHIFTS, snapshot_id, ibis.memtable(flagged.reset_index(drop=True), schema=STORED))
    return len(flagged)


"""Segmenters whose assignment is a rule over the feature table: fitted in memory (a few
thresholds or the list of groups), then evaluated by the engine as one Ibis expression, so every
customer is assigned where the data live.

Each has ``fit(features) -> self``, ``segment_names_`` (segment id -> name, ids from 0),
``assign_expression(table)`` and ``predict(features)`` (the same expression, run on the frame).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin


class ExpressionSegmenter(ClusterMixin, BaseEstimator):
    segment_names_: list[str]

    def assign_expression(self, t: ir.Table) -> ir.IntegerValue:
        raise NotImplementedError

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        t = ibis.memtable(X)
        return t.select(segment_id=self.assign_expression(t)).execute().segment_id.to_numpy().astype(np.int64)

    def fit_predict(self, X: pd.DataFrame, y=None) -> np.ndarray:
        return self.fit(X).predict(X)


def _first_match(conditions: list[ir.BooleanValue], default: int) -> ir.IntegerValue:
    """The id of the first true condition, else ``default`` (everyone, when there is no condition:
    e.g. no customer has a region)."""
    if not conditions:
        return ibis.literal(default, "int64")
    return ibis.cases(*[(c, k) for k, c in enumerate(conditions)], else_=default).cast("int64")


class ValueTiers(ExpressionSegmenter):
    """Tiers of customers by revenue: with ``tiers=(0.01, 0.09, 0.40)`` the top 1% of buyers by
    revenue, the next 9%, the next 40% and the rest; customers without revenue form the last tier.

    A tier's threshold is the revenue of the last buyer inside it (ranked by revenue, highest
    first), so buyers tied with that one share its tier and a tier can come out slightly larger.
    """

    def __init__(self, tiers: tuple[float, ...] = (0.01, 0.09, 0.40), column: str = "monetary"):
        self.tiers, self.column = tiers, column

    def fit(self, X: pd.DataFrame, y=None) -> "ValueTiers":
        if not len(self.tiers) or sum(self.tiers) >= 1 or min(self.tiers) <= 0:
            raise ValueError(f"tiers must be positive shares summing to less than 1, got {list(self.tiers)}")
        revenue = np.sort(X[self.column].to_numpy(dtype=float))[::-1]
        revenue = revenue[revenue > 0]
        edges = np.cumsum(self.tiers)
        # the rank of the last buyer of each tier; at least the first buyer, so the top tier is never empty
        # (rounded first: 0.1 + 0.2 is 0.30000000000000004, which would put a 4th of 10 buyers in the top 30%)
        last = np.maximum(np.ceil(np.round(edges * len(revenue), 9)).astype(int), 1) - 1
        self.thresholds_ = [float(revenue[i]) if len(revenue) else np.inf for i in last]
        names, start = [], 0.0
        for share in self.tiers:
            names.append(("Top" if start == 0 else "Next") + f" {_percent(share)}")
            start += share
        self.segment_names_ = [*names, f"Rest {_percent(1 - start)}", "No revenue"]
        return self

    def assign_expression(self, t: ir.Table) -> ir.IntegerValue:
        revenue = t[self.column].cast("float64")
        conditions = [revenue >= threshold for threshold in self.thresholds_] + [revenue > 0]
        return _first_match(conditions, len(conditions))


def _percent(share: float) -> str:
    return f"{share * 100:.4g}%"


class CategoryGroups(ExpressionSegmenter):
    """One segment per value of a categorical column (a region, a platform), largest first; values
    held by fewer than ``min_share`` of customers are grouped as "Other", missing ones as ``missing``.

    ``labels`` maps values to display names; with ``values`` the groups are fixed in that order
    rather than learnt (empty ones stay, so ids mean the same in every snapshot).
    """

    def __init__(self, column: str, min_share: float = 0.01, missing: str = "Unknown",
                 labels: dict[str, str] | None = None, values: tuple[str, ...] | None = None):
        self.column, self.min_share, self.missing = column, min_share, missing
        self.labels, self.values = labels, values

    def fit(self, X: pd.DataFrame, y=None) -> "CategoryGroups":
        if self.values is not None:
            self.groups_ = list(self.values)
        else:
            counts = X[self.column].value_counts(dropna=True)
            counts = counts[counts >= self.min_share * len(X)]
            # largest first; equal sizes in the values' own order, so the ids do not depend on row order
            self.groups_ = sorted(counts.index, key=lambda v: (-counts[v], v))
        labels = self.labels or {}
        values = X[self.column]
        self.other_ = self.values is None and bool((values.notna() & ~values.isin(self.groups_)).any())
        self.segment_names_ = [labels.get(v, v) for v in self.groups_] + (["Other"] if self.other_ else [])
        self.segment_names_.append(self.missing)
        return self

    def assign_expression(self, t: ir.Table) -> ir.IntegerValue:
        value = t[self.column]
        n = len(self.groups_)
        conditions = [value == v for v in self.groups_]
        if self.other_:
            conditions.append(value.notnull())
        return _first_match(conditions, n + int(self.other_))


class AgeBands(ExpressionSegmenter):
    """Customers by age on ``year`` (from ``birth_year``) in bands that start at ``edges``: with the
    default edges "Under 25", "25-34", ..., "65 and over", and "Unknown" for a missing or
    implausible birth year (an age outside 0-120)."""

    def __init__(self, year: int, edges: tuple[int, ...] = (25, 35, 45, 55, 65), column: str = "birth_year"):
        self.year, self.edges, self.column = year, edges, column

    def fit(self, X=None, y=None) -> "AgeBands":
        if not self.edges or list(self.edges) != sorted(set(self.edges)) or self.edges[0] <= 0:
            raise ValueError(f"age band edges must be increasing positive ages, got {list(self.edges)}")
        e = list(self.edges)
        self.segment_names_ = ([f"Under {e[0]}"] + [f"{a}-{b - 1}" for a, b in zip(e, e[1:])]
                               + [f"{e[-1]} and over", "Unknown"])
        return self

    def assign_expression(self, t: ir.Table) -> ir.IntegerValue:
        age = self.year - t[self.column].cast("int64")
        known = age.between(0, 120)
        conditions = [known & (age < edge) for edge in self.edges] + [known]
        return _first_match(conditions, len(conditions))

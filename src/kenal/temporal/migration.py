"""Customers moving between segments from one snapshot to another, counted in the engine."""

from __future__ import annotations

import pandas as pd

from kenal.errors import WorkspaceError
from kenal.outputs import ASSIGNMENTS
from kenal.store import Store

ABSENT = "(not in snapshot)"  # joined since, left, withdrew consent, or erased


def migration(store: Store, segmentation: str, before: str, after: str) -> pd.DataFrame:
    """Counts of customers by (segment in ``before``, segment in ``after``) of one segmentation,
    with a customer present in only one snapshot counted against :data:`ABSENT`; columns
    from_segment, to_segment, customers, share (of the from-segment's customers)."""
    a = store.table(ASSIGNMENTS)
    a = a.filter(a.segmentation == segmentation)
    wanted = a.filter((a.snapshot_id == before) | (a.snapshot_id == after))
    found = set(wanted.select("snapshot_id").distinct().execute().snapshot_id)
    for sid in (before, after):
        if sid not in found:
            raise WorkspaceError(f"snapshot '{sid}' has no '{segmentation}' segments; see 'kenal segments list "
                                 "--snapshot ID' for what a snapshot has")
    old = a.filter(a.snapshot_id == before).select("customer_id", from_segment="segment_name")
    new = a.filter(a.snapshot_id == after).select(customer=a.customer_id, to_segment=a.segment_name)
    joined = old.outer_join(new, old.customer_id == new.customer)
    pairs = joined.select(from_segment=joined.from_segment.fill_null(ABSENT),
                          to_segment=joined.to_segment.fill_null(ABSENT))
    counts = pairs.group_by(["from_segment", "to_segment"]).aggregate(customers=pairs.count())
    table = counts.order_by(["from_segment", "to_segment"]).execute()
    table["share"] = table.customers / table.groupby("from_segment").customers.transform("sum")
    return table


def stayed(table: pd.DataFrame) -> float:
    """Share of the customers present in both snapshots who kept their segment."""
    both = table[(table.from_segment != ABSENT) & (table.to_segment != ABSENT)]
    return float(both.customers[both.from_segment == both.to_segment].sum() / both.customers.sum())


def matrix(table: pd.DataFrame) -> pd.DataFrame:
    """The migration as a from × to matrix of customer counts."""
    return table.pivot(index="from_segment", columns="to_segment", values="customers").fillna(0).astype(int)



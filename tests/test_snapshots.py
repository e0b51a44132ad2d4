from __future__ import annotations

import pandas as pd

from kenal.outputs import replace_rows


def test_rows_of_a_snapshot_are_replaced_and_columns_aligned(store):
    replace_rows(store, "out", "s1", pd.DataFrame({"snapshot_id": ["s1", "s1"], "customer_id": ["A", "B"], "x": [1.0, 2.0]}))
    replace_rows(store, "out", "s2", pd.DataFrame({"snapshot_id": ["s2"], "customer_id": ["A"], "x": [3.0]}))
    replace_rows(store, "out", "s1", pd.DataFrame({"snapshot_id": ["s1"], "customer_id": ["C"], "x": [9.0], "y": [1.5]}))
    got = store.table("out").order_by(["snapshot_id", "customer_id"]).execute()
    assert got.columns.tolist() == ["snapshot_id", "customer_id", "x", "y"]
    assert got[["snapshot_id", "customer_id", "x"]].values.tolist() == [["s1", "C", 9.0], ["s2", "A", 3.0]]
    assert got.y.tolist()[0] == 1.5 and pd.isna(got.y.tolist()[1])

"""A snapshot as of a date sees nothing after it: rewriting every later row changes no feature."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
from pandas.testing import assert_frame_equal

from kenal.config import Settings
from kenal.features import build_features
from kenal.ingest import ingest
from kenal.sample import generate_sample, write_sample
from kenal.store import Store

AS_OF = datetime(2026, 3, 31, 23, 59, 59, tzinfo=ZoneInfo("Asia/Jakarta"))


def _after(df: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(df[column], utc=True, format="ISO8601") > AS_OF


def _rewrite_the_future(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    t = {name: df.copy() for name, df in tables.items()}
    tx, later = t["transactions"], _after(t["transactions"], "timestamp")
    tx.loc[later, "amount"] *= 7
    tx.loc[later, "channel"] = "store"
    extra = tx[later].assign(transaction_id=lambda d: "X" + d.transaction_id.astype(str))
    t["transactions"] = pd.concat([tx, extra])
    items = t["transaction_items"]
    copied = items[items.transaction_id.isin(extra.transaction_id.str[1:])]
    t["transaction_items"] = pd.concat([items, copied.assign(transaction_id="X" + copied.transaction_id.astype(str))])
    ev, later = t["events"], _after(t["events"], "timestamp")
    ev.loc[later, "event"] = "Product Viewed"
    ev.loc[later, "page_path"] = "/pricing"
    ev.loc[later, "user_agent"] = "Mozilla/5.0 (iPhone) Mobi"
    inter, later = t["interactions"], _after(t["interactions"], "timestamp")
    inter.loc[later, "rating"] = 1.0
    consents, later = t["consents"], _after(t["consents"], "timestamp")
    consents.loc[later, "granted"] = ~consents.loc[later, "granted"].astype(bool)
    customers, later = t["customers"], _after(t["customers"], "created_at")
    customers.loc[later, "region"] = "Papua"
    assert all(later.any() for later in (_after(tx, "timestamp"), _after(ev, "timestamp")))
    return t


def test_no_row_after_the_as_of_date_changes_a_feature(tmp_path):
    data = generate_sample(n_customers=1_500, seed=4, defects=False)
    built = []
    for name, tables in (("original", data.tables), ("rewritten", _rewrite_the_future(data.tables))):
        data.tables = tables
        write_sample(data, tmp_path / name / "input", tmp_path / name / "truth")
        with Store.open(tmp_path / name / "ws", Settings()) as store:
            ingest(store, tmp_path / name / "input")
            built.append(build_features(store, AS_OF).execute())
    original, rewritten = built
    assert len(original) > 1000
    assert_frame_equal(original, rewritten)

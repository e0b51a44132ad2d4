"""Referential integrity, money, time and session rules that hold for every normal row."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from sample_features import CUTOFF, local_time, planted

from kenal.schema import TABLES

END = pd.Timestamp(CUTOFF) + pd.Timedelta(days=1)  # everything normal is before this instant


def test_foreign_keys(sample):
    t = sample.tables
    customers = set(t["customers"]["customer_id"])
    for name in ("transactions", "interactions", "consents"):
        assert set(t[name]["customer_id"]) <= customers, name
    assert set(t["events"]["customer_id"].dropna()) <= customers
    products = set(t["products"]["product_id"])
    assert set(t["transaction_items"]["product_id"]) <= products
    assert set(t["events"]["product_id"].dropna()) <= products
    assert set(t["transaction_items"]["transaction_id"]) <= set(t["transactions"]["transaction_id"])
    # Every purchase has items; a return has the one line that came back.
    per_txn = t["transaction_items"].groupby("transaction_id").size()
    assert per_txn.reindex(t["transactions"]["transaction_id"]).notna().all()


def test_keys_unique(sample):
    t = sample.tables
    tx = t["transactions"].drop_duplicates()
    assert tx["transaction_id"].is_unique
    for name in ("fx_rates", "customers", "products", "transaction_items", "events",
                 "interactions", "consents", "external"):
        assert not t[name].duplicated(list(TABLES[name].key)).any(), name


def test_amounts_are_the_sum_of_items(sample):
    t = sample.tables
    items = t["transaction_items"]
    line = items["quantity"] * items["unit_price"]
    total = line.groupby(items["transaction_id"]).sum()
    tx = t["transactions"].drop_duplicates().set_index("transaction_id")
    diff = (tx["amount"] - total.reindex(tx.index)).abs()
    idr = tx["currency"] == "IDR"
    assert (diff[idr] == 0).all()
    assert (diff[~idr] < 0.01).all()
    assert (tx["amount"] > 0).all() and (items["unit_price"] > 0).all()
    assert (items["quantity"] >= 1).all()
    assert (items["quantity"] % 1 == 0).all()


def test_currencies_and_fx(sample):
    t = sample.tables
    fx = t["fx_rates"]
    days = pd.date_range(END - pd.Timedelta(days=731), END - pd.Timedelta(days=1))
    days = days.strftime("%Y-%m-%d")
    for cur in ("IDR", "USD", "SGD"):
        assert list(fx.loc[fx["currency"] == cur, "date"]) == list(days), cur
    rate = fx.set_index(["currency", "date"])["rate"]
    assert (rate["IDR"] == 1).all()
    assert rate["USD"].between(15_500, 16_500).all() and rate["SGD"].between(11_500, 12_500).all()
    # A smooth walk: day-to-day moves stay small.
    assert rate["USD"].diff().abs().max() < 100
    tx = t["transactions"]
    normal = ~tx["transaction_id"].isin(planted(sample, "unknown_currency"))
    assert set(tx.loc[normal, "currency"]) == {"IDR", "USD", "SGD"}
    assert (tx["currency"] == "IDR").mean() > 0.9
    assert set(t["transactions"]["timestamp"].str.slice(0, 10)) <= set(days)


def test_times_within_history_and_after_sign_up(sample):
    t = sample.tables
    created = local_time(t["customers"].set_index("customer_id")["created_at"])
    skewed = planted(sample, "future_timestamps") | planted(sample, "out_of_order_timestamps")
    ev = t["events"]
    ev = ev[~ev["message_id"].isin(skewed)]
    frames = {"transactions": t["transactions"], "interactions": t["interactions"],
              "consents": t["consents"], "events": ev}
    for name, frame in frames.items():
        time = local_time(frame["timestamp"])
        assert (time < END).all(), name
        assert (time >= END - pd.Timedelta(days=731)).all() or name == "consents", name
        who = frame["customer_id"].notna()
        joined = created.loc[frame.loc[who, "customer_id"]].to_numpy()
        assert (time[who].to_numpy() >= joined).all(), name
    assert (local_time(t["customers"]["created_at"]) < END).all()


def test_sessions_in_time_order(sample):
    ev = sample.tables["events"]
    skewed = planted(sample, "out_of_order_timestamps") | planted(sample, "future_timestamps")
    ev = ev[~ev["message_id"].isin(skewed)]
    time = local_time(ev["timestamp"])
    prev = time.groupby(ev["session_id"]).shift()
    assert not (time < prev).any()
    # Session ids follow the stream: each session is one contiguous block of rows.
    sid = ev["session_id"].to_numpy(dtype=object)
    assert 1 + (sid[1:] != sid[:-1]).sum() == len(set(sid))


def test_order_completed_matches_each_online_purchase(sample):
    t = sample.tables
    tx = t["transactions"].drop_duplicates()
    tx = tx[~tx["transaction_id"].isin(planted(sample, "near_duplicate_transactions"))]
    online = tx[(tx["kind"] == "purchase") & (tx["channel"] == "online")]
    online = online.set_index("transaction_id")
    ev = t["events"]
    oc = ev[ev["event"] == "Order Completed"]
    props = pd.DataFrame([json.loads(p) for p in oc["properties"]], index=oc.index)
    assert props["order_id"].is_unique
    assert set(props["order_id"]) == set(online.index)
    match = online.loc[props["order_id"]]
    assert (local_time(oc["timestamp"]).to_numpy()
            == local_time(match["timestamp"]).to_numpy()).all()
    assert np.allclose(props["revenue"].to_numpy(), match["amount"].to_numpy())
    # Checkout always precedes an order, in the same session.
    checkout = ev[ev["event"] == "Checkout Started"]
    assert set(oc["session_id"]) <= set(checkout["session_id"])


def test_identify_links_anonymous_sessions(sample):
    ev = sample.tables["events"]
    ident = ev[ev["type"] == "identify"]
    assert ident["customer_id"].notna().all() and ident["anonymous_id"].notna().all()
    assert ident["session_id"].is_unique
    anon = ev[ev["session_id"].isin(ident["session_id"]) & (ev["type"] != "identify")]
    assert anon["customer_id"].isna().all()
    link = ident.set_index("session_id")["anonymous_id"]
    assert (anon["anonymous_id"].to_numpy() == link.loc[anon["session_id"]].to_numpy()).all()
    assert 0.05 < ident["session_id"].nunique() / ev["session_id"].nunique() < 0.25
    assert ev["anonymous_id"].notna().all()


def test_returns_and_purchases(sample):
    tx = sample.tables["transactions"]
    ret = tx[tx["kind"] == "return"]
    assert ret["return_reason"].notna().all() and (ret["amount"] > 0).all()
    assert tx.loc[tx["kind"] == "purchase", "return_reason"].isna().all()
    assert {"ukuran tidak pas", "barang rusak", "wrong item"} <= set(ret["return_reason"])
    assert 0.02 < len(ret) / len(tx) < 0.15


def test_consents_one_per_purpose(sample):
    c = sample.tables["consents"]
    n = len(sample.tables["customers"])
    assert len(c) == 3 * n
    assert c.groupby("customer_id")["purpose"].nunique().eq(3).all()
    refuse = 1 - c.loc[c["purpose"] == "profiling", "granted"].mean()
    assert 0.015 < refuse < 0.045


def test_customers(sample):
    cust = sample.tables["customers"]
    assert cust["customer_id"].is_unique
    assert cust["birth_year"].between(1950, 2010).all()
    assert set(cust["gender"]) == {"female", "male"}
    income = cust["income"].dropna()
    assert (income > 0).all() and income.median() > 2_000_000
    if sample.defects["missing_income"] == 0:
        assert cust["income"].notna().all()


def test_external_indicators(sample):
    ext = sample.tables["external"]
    assert set(ext["region"]) == set(sample.tables["customers"]["region"]) | set(ext["region"])
    assert {"DKI Jakarta", "Jawa Timur", "Bali", "Sumatera Utara"} <= set(ext["region"])
    per = ext.groupby(["region", "indicator"]).size()
    assert per.nunique() == 1 and per.iloc[0] == 731
    assert ext.loc[ext["indicator"] == "rainfall_mm", "value"].ge(0).all()


def test_event_volume(sample):
    n = len(sample.tables["customers"])
    human = len(sample.tables["events"]) - sample.defects["bot_events"]
    # Two years of a realistic mix (weekly grocery orders, heavy window shopping): ~100 per customer.
    assert 40 <= human / n <= 120

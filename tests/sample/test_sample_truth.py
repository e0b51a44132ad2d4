"""The planted truth is coherent with the tables: segments behave as defined, churn, texts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sample_features import CUTOFF, customer_features, local_time, planted

from kenal.sample import SEGMENT_NAMES

END = pd.Timestamp(CUTOFF) + pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def per_customer(dirty):
    f = customer_features(dirty.tables, CUTOFF)
    seg = dirty.truth["segments"].set_index("customer_id")["segment"]
    return f.assign(segment=seg.loc[f.index])


def test_every_customer_has_one_segment(sample):
    seg = sample.truth["segments"]
    assert list(seg["customer_id"]) == list(sample.tables["customers"]["customer_id"])
    share = seg["segment"].value_counts(normalize=True)
    assert set(share.index) == set(SEGMENT_NAMES) and len(SEGMENT_NAMES) == 8
    assert share.between(0.05, 0.25).all()


def test_segment_definitions_hold(dirty, per_customer):
    f = per_customer
    med = f.groupby("segment").median()
    new = f[f["segment"] == "new_customer"]
    assert (np.expm1(new["log_tenure_days"]) <= 91).all()
    tx = dirty.tables["transactions"].drop_duplicates()
    tx = tx[~tx["transaction_id"].isin(planted(dirty, "near_duplicate_transactions"))]
    buys = tx[tx["kind"] == "purchase"].groupby("customer_id").size()
    assert buys.reindex(new.index).between(1, 2).all()
    lapsed = f[f["segment"] == "lapsed"]
    assert (np.expm1(lapsed["log_recency_days"]) > 180).all()
    assert med["log_basket_idr"].idxmax() == "big_ticket_electronics"
    assert med["share_electronics"].idxmax() == "big_ticket_electronics"
    assert med["share_groceries"].idxmax() == "online_grocery_regular"
    assert med["log_purchases"].idxmax() == "online_grocery_regular"
    assert med["log_purchases"].nlargest(2).index[1] == "loyal_high_spender"
    assert med["log_basket_idr"].nlargest(2).index[1] == "loyal_high_spender"
    assert med["online_share"].idxmin() == "occasional_store_shopper"
    assert med["log_promo_visits"].idxmax() == "promo_hunter"
    assert f.groupby("segment")["return_rate"].mean().idxmax() == "promo_hunter"
    assert med["log_basket_idr"].idxmin() == "promo_hunter"
    assert med["log_product_views"].idxmax() == "window_shopper"
    assert med["log_purchases"].idxmin() in ("new_customer", "window_shopper")
    assert med["log_recency_days"].idxmax() == "lapsed"
    assert med["log_tenure_days"].idxmin() == "new_customer"


def test_window_shoppers_abandon_carts(dirty):
    ev = dirty.tables["events"]
    seg = dirty.truth["segments"].set_index("customer_id")["segment"]
    ident = ev[ev["type"] == "identify"].set_index("session_id")["customer_id"]
    who = ev["customer_id"].fillna(ev["session_id"].map(ident))
    per = pd.DataFrame({"added": ev["event"] == "Product Added",
                        "ordered": ev["event"] == "Order Completed",
                        "customer": who}).groupby("customer").sum()
    rate = (per["ordered"] / per["added"].clip(lower=1)).groupby(seg).median()
    assert rate.idxmin() == "window_shopper" and rate["window_shopper"] < 0.5


def test_churn_truth(sample):
    churn = sample.truth["churn"].set_index("customer_id")
    assert list(churn.index) == list(sample.tables["customers"]["customer_id"])
    assert (churn["churned"] == (churn["purchases_next_90d"] == 0)).all()
    seg = sample.truth["segments"].set_index("customer_id")["segment"]
    rate = churn["churned"].groupby(seg).mean()
    assert rate["lapsed"] == 1.0
    assert rate.drop("lapsed").max() < 0.9
    assert rate["online_grocery_regular"] < 0.2 and rate["loyal_high_spender"] < 0.2
    assert 0.2 < churn["churned"].mean() < 0.6
    # Nothing after the cut-off is in the tables (future events are planted defects only).
    tx = sample.tables["transactions"]
    assert (local_time(tx["timestamp"]) < END).all()


def test_churn_happens_throughout_history(sample):
    """A snapshot a year back also has customers who never bought again after it."""
    tx = sample.tables["transactions"]
    buy = tx[tx["kind"] == "purchase"].assign(time=lambda d: local_time(d["timestamp"]))
    snap = END - pd.Timedelta(days=365)
    before = set(buy.loc[buy["time"] < snap, "customer_id"])
    after = set(buy.loc[buy["time"] >= snap, "customer_id"])
    assert len(before - after) / len(before) > 0.05


def test_text_truth(sample):
    texts, inter = sample.truth["texts"], sample.tables["interactions"]
    assert list(texts["interaction_id"]) == list(inter["interaction_id"])
    assert set(texts["language"]) == {"id", "en", "mixed"}
    assert set(texts["sentiment"]) == {"positive", "neutral", "negative"}
    assert (texts.loc[texts["complaint"], "sentiment"] == "negative").all()
    aspects = {a for x in texts["aspects"].dropna() for a in x.split(";") if a}
    assert aspects == {"delivery", "price", "product_quality", "service", "payment",
                       "refund_return"}
    real = ~texts["spam"]
    assert (texts.loc[real, "aspects"].str.len() > 0).all()
    rating = inter["rating"]
    assert (rating[(texts["sentiment"] == "positive") & real].dropna() >= 4).all()
    assert (rating[(texts["sentiment"] == "negative") & real].dropna() <= 2).all()
    nps = inter["nps"]
    assert (nps[(texts["sentiment"] == "negative")].dropna() <= 6).all()
    assert nps.dropna().between(0, 10).all() and rating.dropna().between(1, 5).all()
    text = inter.loc[real.to_numpy() & (texts["language"] == "id").to_numpy(), "text"].str.lower()
    for word in ("gak", "bgt", "tdk", "udh", "mantap"):
        assert text.str.contains(rf"\b{word}\b").any(), word
    share = texts.loc[real, "language"].value_counts(normalize=True)
    assert share["id"] > share["mixed"] > 0.1 and share["en"] > 0.1

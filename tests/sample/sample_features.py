"""Per-customer behavioural features computed from the generated *tables* with plain pandas.

This is what a segmentation author would do from the input contract alone (no hidden state), so
recovering the planted segments from these features shows the segments are in the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CUTOFF = "2026-06-30"
FEATURES = ("log_purchases", "log_basket_idr", "log_recency_days", "log_tenure_days",
            "online_share", "share_electronics", "share_groceries", "share_fashion",
            "log_product_views", "log_promo_visits", "return_rate")


def planted(data, defect: str) -> set[str]:
    """Keys of the rows planted with `defect`."""
    d = data.truth["defects"]
    return set(d.loc[d["defect"] == defect, "key"])


def local_time(ts: pd.Series) -> pd.Series:
    """Jakarta wall-clock time: offset and naive timestamps are both Jakarta local here."""
    return pd.to_datetime(ts.str.slice(0, 19), format="%Y-%m-%dT%H:%M:%S")


def customer_features(tables: dict[str, pd.DataFrame], cutoff: str) -> pd.DataFrame:
    end = pd.Timestamp(cutoff) + pd.Timedelta(days=1)
    consent = tables["consents"]
    ok = consent[(consent["purpose"] == "profiling") & consent["granted"]]["customer_id"]
    cust = tables["customers"].set_index("customer_id").loc[ok]

    fx = tables["fx_rates"].set_index(["date", "currency"])["rate"]
    tx = tables["transactions"].drop_duplicates()
    tx = tx[tx["customer_id"].isin(ok)].copy()
    tx["time"] = local_time(tx["timestamp"])
    key = pd.MultiIndex.from_arrays([tx["timestamp"].str.slice(0, 10), tx["currency"]])
    tx["rate"] = fx.reindex(key).to_numpy()
    tx = tx[tx["rate"].notna() & (tx["time"] < end)]
    tx["idr"] = tx["amount"] * tx["rate"]
    buy = tx[tx["kind"] == "purchase"]
    g = buy.groupby("customer_id")
    f = pd.DataFrame(index=cust.index)
    f["n"] = g.size()
    f["basket"] = g["idr"].mean()
    f["last"] = g["time"].max()
    f["online"] = (buy["channel"] == "online").groupby(buy["customer_id"]).mean()
    f["returns"] = tx[tx["kind"] == "return"].groupby("customer_id").size()
    f = f.fillna({"n": 0, "basket": 0, "returns": 0, "online": 0})
    created = local_time(cust["created_at"])
    f["log_purchases"] = np.log1p(f["n"])
    f["log_basket_idr"] = np.log1p(f["basket"])
    f["log_recency_days"] = np.log1p(((end - f["last"]).dt.total_seconds() / 86400).fillna(
        (end - created).dt.total_seconds() / 86400))
    f["log_tenure_days"] = np.log1p((end - created).dt.total_seconds() / 86400)
    f["online_share"] = f["online"]
    f["return_rate"] = f["returns"] / f["n"].clip(lower=1)

    items = tables["transaction_items"].merge(buy[["transaction_id", "customer_id", "rate"]],
                                              on="transaction_id")
    items = items.merge(tables["products"][["product_id", "category"]], on="product_id")
    items["idr"] = items["quantity"] * items["unit_price"] * items["rate"]
    spend = items.pivot_table(index="customer_id", columns="category", values="idr",
                              aggfunc="sum", fill_value=0)
    share = spend.div(spend.sum(axis=1), axis=0).reindex(f.index).fillna(0)
    for c in ("electronics", "groceries", "fashion"):
        f[f"share_{c}"] = share[c] if c in share else 0.0

    ev = tables["events"]
    ident = ev[ev["type"] == "identify"].drop_duplicates("anonymous_id")
    ident = ident.set_index("anonymous_id")["customer_id"]
    who = ev["customer_id"].fillna(ev["anonymous_id"].map(ident))
    views = who[ev["event"] == "Product Viewed"].value_counts()
    promo_page = (ev["type"] == "page") & ev["page_path"].str.startswith("/promo", na=False)
    promo = who[promo_page].value_counts()
    f["log_product_views"] = np.log1p(views.reindex(f.index).fillna(0))
    f["log_promo_visits"] = np.log1p(promo.reindex(f.index).fillna(0))
    return f[list(FEATURES)]


def recover_ari(tables: dict[str, pd.DataFrame], truth: dict[str, pd.DataFrame],
                cutoff: str) -> float:
    """Standardise the features, cluster with KMeans(k = true segments), score against the truth."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    f = customer_features(tables, cutoff)
    seg = truth["segments"].set_index("customer_id").loc[f.index, "segment"]
    x = StandardScaler().fit_transform(f.to_numpy())
    with threadpool_limits(1):
        labels = KMeans(n_clusters=seg.nunique(), n_init=10, random_state=0).fit_predict(x)
    return adjusted_rand_score(seg.to_numpy(), labels)

"""The benchmark's baseline: kenal's feature table written the way an analyst would in pandas.

Same columns and definitions as ``kenal.features.build_features``; deliberately independent of
kenal's code so the benchmark's equality check also cross-checks the feature definitions.
It follows build.py as of kenal 56ba3f0 (rates smoothed toward the population's rate); when
build.py changes, bench_run.py's check fails until this file follows.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

MAX_CATEGORIES = 12
DAY = pd.Timedelta(days=1)
PRIOR_WEIGHT = 2.0  # pseudo-observations at the population's rate (empirical Bayes)
RATES = {"online_share": ("online_orders", "channel_known"), "return_rate": ("returns", "frequency"),
         "weekend_share": ("weekend_orders", "frequency"), "cart_abandonment": ("abandoned_carts", "cart_sessions")}
HELPER_COUNTS = ("online_orders", "channel_known", "weekend_orders", "cart_sessions", "abandoned_carts")

# Only the columns the features use: what an analyst would pull (and a fairer load time).
COLUMNS = {
    "customers": ["customer_id", "created_at"],
    "consents": ["customer_id", "purpose", "granted", "timestamp", "_source_row"],
    "transactions": ["transaction_id", "customer_id", "timestamp", "kind", "channel", "amount_base", "fx_rate"],
    "transaction_items": ["transaction_id", "product_id", "quantity", "unit_price"],
    "products": ["product_id", "category"],
    "events": ["message_id", "type", "timestamp", "customer_id", "anonymous_id", "event", "session_id",
               "page_path"],
    "interactions": ["interaction_id", "customer_id", "timestamp", "rating", "nps"],
    "interaction_scores": ["interaction_id", "sentiment", "sentiment_score", "complaint"],  # kenal run's text stage
}


def load_tables(db_path: Path) -> dict[str, pd.DataFrame]:
    """The canonical tables of a workspace's DuckDB file, as pandas DataFrames."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        con.execute("SET file_search_path = ?", [str(db_path.parent.resolve())])  # ingested tables: views over W/tables
        present = {r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()}
        return {name: con.sql(f"select {', '.join(cols)} from {name}").df()
                for name, cols in COLUMNS.items() if name in present}
    finally:
        con.close()


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den).where(den > 0, 0.0)


def category_column(category: str) -> str:
    return "share_" + (re.sub(r"[^0-9a-z]+", "_", category.lower()).strip("_") or "blank")


def allowed_customers(tables, as_of, consent_default: str) -> pd.DataFrame:
    """Customers created by as_of whose latest profiling consent record (or the default) allows it."""
    cust = tables["customers"]
    cust = cust[cust.created_at <= as_of]
    granted = pd.Series(dtype="boolean")
    if "consents" in tables:
        c = tables["consents"]
        c = c[(c.purpose.str.lower() == "profiling") & (c.timestamp <= as_of)]
        latest = c.sort_values(["timestamp", "_source_row"]).drop_duplicates("customer_id", keep="last")
        granted = latest.set_index("customer_id").granted
    ok = cust.customer_id.map(granted).astype("boolean").fillna(consent_default == "grant")
    return cust[ok.to_numpy(dtype=bool)]


def purchase_features(tx: pd.DataFrame, as_of, offset: pd.Timedelta) -> pd.DataFrame:
    t = tx[tx.timestamp <= as_of]
    purchase, ret = t.kind == "purchase", t.kind == "return"
    recent = t.timestamp > as_of - 90 * DAY
    weekend = (t.timestamp.dt.tz_convert("UTC") + offset).dt.weekday >= 5  # the zone's offset at as_of
    t = t.assign(
        is_purchase=purchase, is_return=ret, recent_purchase=purchase & recent,
        purchase_value=t.amount_base.where(purchase), return_value=t.amount_base.where(ret),
        recent_value=t.amount_base.where(purchase & recent),
        online=purchase & (t.channel == "online"), channel_known=purchase & t.channel.notna(),
        weekend=purchase & weekend, purchase_ts=t.timestamp.where(purchase))
    g = t.groupby("customer_id").agg(
        frequency=("is_purchase", "sum"), monetary=("purchase_value", "sum"),
        returns=("is_return", "sum"), returned_value=("return_value", "sum"),
        orders_90d=("recent_purchase", "sum"), revenue_90d=("recent_value", "sum"),
        online_orders=("online", "sum"), channel_known=("channel_known", "sum"),
        weekend_orders=("weekend", "sum"),
        first_purchase=("purchase_ts", "min"), last_purchase=("purchase_ts", "max"))
    g["avg_basket"] = _ratio(g.monetary, g.frequency)
    g["purchase_span_days"] = ((g.last_purchase - g.first_purchase) / DAY).fillna(0.0)
    return g.drop(columns="first_purchase")  # the rates are smoothed once every part is joined


def category_features(tables, as_of) -> pd.DataFrame | None:
    """Share of each customer's base-currency purchase spend in each of the top categories."""
    if not {"transaction_items", "products"} <= tables.keys():
        return None
    tx = tables["transactions"]
    t = tx[(tx.timestamp <= as_of) & (tx.kind == "purchase")][["transaction_id", "customer_id", "fx_rate"]]
    lines = t.merge(tables["transaction_items"], on="transaction_id").merge(tables["products"], on="product_id")
    lines["spend"] = lines.quantity * lines.unit_price * lines.fx_rate
    lines["category"] = lines.category.str.lower()
    per_cat = lines.groupby(["customer_id", "category"]).spend.sum()
    totals = per_cat.groupby("category").sum().reset_index()
    top = totals.sort_values(["spend", "category"], ascending=[False, True]).category.head(MAX_CATEGORIES).tolist()
    if not top:
        return None
    wide = per_cat.unstack("category")
    total = per_cat.groupby("customer_id").sum()
    shares = wide[top].div(total, axis=0).where(total > 0, 0.0, axis=0)
    return shares.rename(columns=category_column)


def web_features(events: pd.DataFrame, as_of) -> pd.DataFrame:
    e = events[events.timestamp <= as_of]
    # anonymous_id -> the customer of its first linked event (a shared device goes to the first one).
    linked = e[e.anonymous_id.notna() & e.customer_id.notna()]
    first = linked.sort_values(["timestamp", "message_id"]).drop_duplicates("anonymous_id")
    e = e.assign(customer_id=e.customer_id.fillna(e.anonymous_id.map(first.set_index("anonymous_id").customer_id)))
    e = e[e.customer_id.notna()]
    page = e.type == "page"
    path = e.page_path.str.lower()
    e = e.assign(
        session=e.session_id.fillna(e.message_id), page_views=page,
        product_views=e.event == "Product Viewed", cart_adds=e.event == "Product Added",
        checkouts=e.event == "Checkout Started", web_orders=e.event == "Order Completed",
        pricing_visits=page & path.str.startswith("/pricing", na=False),
        promo_visits=page & path.str.startswith("/promo", na=False))
    counts = ["page_views", "product_views", "cart_adds", "checkouts", "web_orders", "pricing_visits",
              "promo_visits"]
    s = e.groupby(["customer_id", "session"])[counts].sum().reset_index()
    s["cart_session"] = s.cart_adds > 0
    s["abandoned"] = s.cart_session & (s.web_orders == 0)
    g = s.groupby("customer_id").agg(
        sessions=("session", "size"), **{c: (c, "sum") for c in counts if c != "web_orders"},
        cart_sessions=("cart_session", "sum"), abandoned_carts=("abandoned", "sum"))
    return g


def smooth_rates(f: pd.DataFrame) -> pd.DataFrame:
    """Each rate pulled toward the population's rate by PRIOR_WEIGHT pseudo-observations."""
    def smoothed(num: pd.Series, den: pd.Series) -> pd.Series:
        population = num.sum() / den.sum() if den.sum() > 0 else 0.0
        return (num + PRIOR_WEIGHT * population) / (den + PRIOR_WEIGHT)

    rates = {name: smoothed(f[num], f[den]) for name, (num, den) in RATES.items() if {num, den} <= set(f)}
    rates |= {c: smoothed(f[c] * f.frequency, f.frequency) for c in f if c.startswith("share_")}
    return f.assign(**rates).drop(columns=[c for c in HELPER_COUNTS if c in f])


def interaction_features(interactions: pd.DataFrame, as_of, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    i = interactions[interactions.timestamp <= as_of]
    # A 1-2 star rating or an NPS detractor (0-6) is a complaint; NaN compares False, as NULL in SQL.
    # With scored texts, an interaction with a text is a complaint when its text is one.
    complaint = (i.rating <= 2) | (i.nps <= 6)
    if scores is not None:
        i = i.merge(scores, on="interaction_id", how="left")
        text = i.sentiment.notna()
        complaint = i.complaint.where(text, (i.rating <= 2) | (i.nps <= 6)).astype(bool)
    i = i.assign(complaint=complaint, promoter=i.nps >= 9, detractor=i.nps <= 6, satisfied=i.rating >= 4)
    out = i.groupby("customer_id").agg(interactions=("complaint", "size"), complaints=("complaint", "sum"),
                                       avg_rating=("rating", "mean"), avg_nps=("nps", "mean"),
                                       nps_responses=("nps", "count"), ratings=("rating", "count"),
                                       promoters=("promoter", "sum"), detractors=("detractor", "sum"),
                                       satisfied=("satisfied", "sum"))
    answers, rated = out.nps_responses.where(out.nps_responses > 0), out.ratings.where(out.ratings > 0)
    out["nps"] = 100 * (out.pop("promoters") - out.pop("detractors")) / answers
    out["csat"] = out.pop("satisfied") / rated
    if scores is not None:
        recent = i.timestamp > as_of - 90 * DAY
        g = i.assign(text=i.sentiment.notna(), negative=i.sentiment == "negative",
                     recent_score=i.sentiment_score.where(recent), old_score=i.sentiment_score.where(~recent))
        t = g.groupby("customer_id").agg(texts=("text", "sum"), negative=("negative", "sum"),
                                         avg_sentiment=("sentiment_score", "mean"), recent=("recent_score", "mean"),
                                         old=("old_score", "mean"))
        out["texts"] = t.texts
        out["negative_share"] = t.pop("negative") / t.texts.where(t.texts > 0)
        out["avg_sentiment"] = t.avg_sentiment
        out["sentiment_trend_90d"] = t.recent - t.old
    return out


def compute_features(tables: dict[str, pd.DataFrame], as_of: datetime, timezone: str = "Asia/Jakarta",
                     consent_default: str = "deny") -> pd.DataFrame:
    """One row per customer allowed for profiling and created by ``as_of``, sorted by customer_id."""
    as_of = pd.Timestamp(as_of)
    offset = pd.Timedelta(ZoneInfo(timezone).utcoffset(as_of.tz_localize(None).to_pydatetime()))
    base = allowed_customers(tables, as_of, consent_default)
    result = pd.DataFrame({"customer_id": base.customer_id, "tenure_days": (as_of - base.created_at) / DAY})
    parts = [purchase_features(tables["transactions"], as_of, offset) if "transactions" in tables else None,
             category_features(tables, as_of) if "transactions" in tables else None,
             web_features(tables["events"], as_of) if "events" in tables else None,
             interaction_features(tables["interactions"], as_of, tables.get("interaction_scores"))
             if "interactions" in tables else None]
    for part in parts:
        if part is not None:
            result = result.merge(part, left_on="customer_id", right_index=True, how="left")
    # Missing aggregates are zero, except an average of nothing, which stays unknown.
    for name in result.columns:
        if name not in ("customer_id", "avg_rating", "avg_nps", "nps", "csat", "negative_share", "avg_sentiment",
                        "sentiment_trend_90d") and \
                pd.api.types.is_numeric_dtype(result[name]):
            result[name] = result[name].fillna(0)
    result = smooth_rates(result)
    if "last_purchase" in result:
        result["recency_days"] = ((as_of - result.pop("last_purchase")) / DAY).fillna(result.tenure_days)
    else:
        result["recency_days"] = result.tenure_days
    return result.sort_values("customer_id", ignore_index=True)


def check_same(ours: pd.DataFrame, theirs: pd.DataFrame, rtol: float = 1e-9) -> list[str]:
    """Differences between two feature tables (empty when they agree): customers, columns, values."""
    problems = []
    if set(ours.columns) != set(theirs.columns):
        problems.append(f"columns differ: only pandas {sorted(set(ours.columns) - set(theirs.columns))}, "
                        f"only kenal {sorted(set(theirs.columns) - set(ours.columns))}")
    a = ours.set_index("customer_id").sort_index()
    b = theirs.set_index("customer_id").sort_index()
    if not a.index.equals(b.index):
        problems.append(f"customers differ: {len(a.index.difference(b.index))} only in pandas, "
                        f"{len(b.index.difference(a.index))} only in kenal")
        a, b = a.loc[a.index.intersection(b.index)], b.loc[a.index.intersection(b.index)]
    for col in sorted(set(a.columns) & set(b.columns)):
        x, y = a[col].to_numpy(dtype=float), b[col].to_numpy(dtype=float)
        bad = ~(np.isclose(x, y, rtol=rtol, atol=0.0) | (np.isnan(x) & np.isnan(y)))
        if bad.any():
            i = np.flatnonzero(bad)[0]
            problems.append(f"{col}: {bad.sum()} of {len(bad)} values differ "
                            f"(e.g. {a.index[i]}: pandas {x[i]!r}, kenal {y[i]!r})")
    return problems

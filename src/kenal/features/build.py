"""The per-customer feature table of one snapshot, as Ibis expressions on the store.

Only rows at or before ``as_of`` are read, so a snapshot never sees the future; only customers
who allow profiling get a row.  Everything is an aggregate in the engine: nothing iterates over
rows in Python.
"""

from __future__ import annotations

import re
from datetime import datetime

import ibis
import ibis.expr.types as ir

from kenal import clock
from kenal.features.consent import profiling_allowed
from kenal.features.voice import NULLABLE, interaction_features
from kenal.sessions import WEB_COUNTS, customer_sessions
from kenal.store import Store

MAX_CATEGORIES = 12
SECONDS_PER_DAY = 86_400.0

def _days(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    # A float numerator: Spark reads a literal such as 86400.0 as a DECIMAL and would round the result.
    return (later.epoch_seconds() - earlier.epoch_seconds()).cast("float64") / SECONDS_PER_DAY


def _ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    return ibis.ifelse(den > 0, num.cast("float64") / den, 0.0)


def category_column(category: str) -> str:
    return "share_" + (re.sub(r"[^0-9a-z]+", "_", category.lower()).strip("_") or "blank")


def purchase_features(store: Store, as_of: datetime) -> ir.Table | None:
    if not store.has("transactions"):
        return None
    t = store.table("transactions")
    t = t.filter(t.timestamp <= as_of)
    purchase, ret = t.kind == "purchase", t.kind == "return"
    within = {days: t.timestamp > (ibis.literal(as_of) - ibis.interval(days=days)) for days in WINDOWS}
    weekend = clock.day_of_week(clock.local_day(t.timestamp, store.settings.timezone)) >= 5
    agg = t.group_by("customer_id").aggregate(
        frequency=purchase.sum(),
        monetary=t.amount_base.sum(where=purchase).coalesce(0.0),
        returns=ret.sum(),
        returned_value=t.amount_base.sum(where=ret).coalesce(0.0),
        **{f"orders_{days}d": (purchase & within[days]).sum() for days in WINDOWS},
        **{f"revenue_{days}d": t.amount_base.sum(where=purchase & within[days]).coalesce(0.0) for days in WINDOWS},
        online_orders=(purchase & (t.channel == "online")).sum(),
        channel_known=(purchase & t.channel.notnull()).sum(),
        weekend_orders=(purchase & weekend).sum(),
        first_purchase=t.timestamp.min(where=purchase),
        last_purchase=t.timestamp.max(where=purchase),
    )
    # The gap that the latest purchase ended: a long one means the customer came back (lifecycle).
    bought = t.filter(purchase).select("customer_id", "timestamp")
    latest = agg.select("customer_id", "last_purchase")
    earlier = bought.join(latest, "customer_id").filter(lambda j: j.timestamp < j.last_purchase)
    previous = earlier.group_by("customer_id").aggregate(previous_purchase=earlier.timestamp.max())
    agg = agg.left_join(previous, "customer_id").drop("customer_id_right")
    return agg.mutate(
        avg_basket=_ratio(agg.monetary, agg.frequency),
        purchase_span_days=_days(agg.last_purchase, agg.first_purchase).coalesce(0.0),
        last_gap_days=_days(agg.last_purchase, agg.previous_purchase).coalesce(0.0),
    ).drop("first_purchase", "previous_purchase")


WINDOWS = (30, 90, 365)  # days: recent activity over several horizons, so change shows against habit


def trend(recent: ir.NumericValue, year: ir.NumericValue) -> ir.FloatingValue:
    """The last 90 days' order rate over the last 365 days' (1: as usual, 2: twice as often, 0.5:
    half as often); one order is added to each side so a customer with few orders reads near 1."""
    return (recent.cast("float64") + 1.0) / (year.cast("float64") * (90.0 / 365.0) + 1.0)


def category_features(store: Store, as_of: datetime) -> ir.Table | None:
    """Share of each customer's purchase spend per product category (top categories by spend)."""
    if not (store.has("transactions") and store.has("transaction_items") and store.has("products")):
        return None
    t = store.table("transactions")
    t = t.filter((t.timestamp <= as_of) & (t.kind == "purchase")).select("transaction_id", "customer_id", "fx_rate")
    items = store.table("transaction_items")
    products = store.table("products").select("product_id", "category")
    lines = t.join(items, "transaction_id").join(products, "product_id")
    lines = lines.mutate(spend=lines.quantity * lines.unit_price * lines.fx_rate, category=lines.category.lower())
    per_cat = lines.group_by(["customer_id", "category"]).aggregate(spend=lines.spend.sum())
    top = (per_cat.group_by("category").aggregate(total=per_cat.spend.sum())
           .order_by([ibis.desc("total"), "category"]).limit(MAX_CATEGORIES).execute()["category"].tolist())
    if not top:
        return None
    total = per_cat.spend.sum()
    shares = {category_column(c): _ratio(per_cat.spend.sum(where=per_cat.category == c), total) for c in top}
    return per_cat.group_by("customer_id").aggregate(**shares)


def web_features(store: Store, as_of: datetime, session_cap_hours: float) -> ir.Table | None:
    if not store.has("events"):
        return None
    s = customer_sessions(store, as_of)
    per_session = s.group_by(["customer_id", "session"]).aggregate(
        span=s.ended.max().epoch_seconds() - s.started.min().epoch_seconds(),
        **{c: s[c].sum() for c in WEB_COUNTS},
        user_agent=s.user_agent.max(),  # a session has one agent; max() is the same on every engine
    )
    s = per_session.mutate(platform=session_platform(per_session.user_agent, per_session.screens))
    # A session longer than the cap (a tab left open, an id reused) counts once per started period.
    cap = session_cap_hours * 3600.0
    agg = s.group_by("customer_id").aggregate(
        sessions=(1 + (s.span.cast("float64") / cap).floor()).sum().cast("int64"),
        page_views=s.page_views.sum(),
        product_views=s.product_views.sum(),
        cart_adds=s.cart_adds.sum(),
        checkouts=s.checkouts.sum(),
        pricing_visits=s.pricing_visits.sum(),
        promo_visits=s.promo_visits.sum(),
        cart_sessions=(s.cart_adds > 0).sum(),
        abandoned_carts=((s.cart_adds > 0) & (s.web_orders == 0)).sum(),
        **{f"{p}_sessions": (s.platform == p).sum() for p in PLATFORMS},
    )
    known = sum((agg[f"{p}_sessions"] for p in PLATFORMS), ibis.literal(0))
    app = sum((agg[f"{p}_sessions"] for p in PLATFORMS if p.endswith("_app")), ibis.literal(0))
    mobile = app + agg.mobile_web_sessions - agg.other_app_sessions
    most = ibis.greatest(*[agg[f"{p}_sessions"] for p in PLATFORMS])
    return agg.mutate(
        app_share=_ratio(app, known), mobile_share=_ratio(mobile, known),
        # the platform with the most sessions; a tie goes to the one listed first
        main_platform=ibis.cases(*[((most > 0) & (agg[f"{p}_sessions"] == most), p) for p in PLATFORMS],
                                 else_=ibis.null("string")),
    ).drop(*[f"{p}_sessions" for p in PLATFORMS])


# Where a session happened, from its user agent: a browser's agent starts with "Mozilla/", an
# app's names the app (and mobile SDKs send "screen" events); mobile browsers say "Mobi".
PLATFORMS = ("android_app", "ios_app", "other_app", "mobile_web", "desktop_web")


def session_platform(agent: ir.StringValue, screens: ir.IntegerValue) -> ir.StringValue:
    ios = agent.contains("iPhone") | agent.contains("iPad") | agent.contains("iOS")
    android = agent.contains("Android")
    app = (screens > 0) | ~agent.startswith("Mozilla/")
    return ibis.cases(
        (agent.isnull() & (screens == 0), ibis.null("string")),
        (app & android, "android_app"), (app & ios, "ios_app"), (app, "other_app"),
        (agent.contains("Mobi") | android | ios, "mobile_web"),
        else_="desktop_web")


# A rate seen over one or two orders is weak evidence: 1 online order of 1 is not "100% online".
# Each rate is smoothed toward the population's rate as if the customer had PRIOR_WEIGHT more
# observations at that rate (empirical Bayes with a Beta prior); a customer with no observations
# gets the population's rate, not 0.
PRIOR_WEIGHT = 2.0
RATES = {  # rate -> (numerator, denominator)
    "online_share": ("online_orders", "channel_known"),
    "return_rate": ("returns", "frequency"),
    "weekend_share": ("weekend_orders", "frequency"),
    "cart_abandonment": ("abandoned_carts", "cart_sessions"),
}
HELPER_COUNTS = ("online_orders", "channel_known", "weekend_orders", "cart_sessions", "abandoned_carts")


def smoothed(t: ir.Table, numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    population = _ratio(numerator.sum(), denominator.sum())  # over every customer in ``t``
    return (numerator + PRIOR_WEIGHT * population) / (denominator + PRIOR_WEIGHT)


def smooth_rates(t: ir.Table) -> ir.Table:
    rates = {name: smoothed(t, t[num], t[den]) for name, (num, den) in RATES.items()
             if num in t.columns and den in t.columns}
    # Category shares are shares of spend; their evidence is the number of orders.
    rates |= {c: smoothed(t, t[c] * t.frequency, t.frequency) for c in t.columns if c.startswith("share_")}
    return t.mutate(**rates).drop(*[c for c in HELPER_COUNTS if c in t.columns])


def build_features(store: Store, as_of: datetime, session_cap_hours: float = 12) -> ir.Table:
    """One row per customer allowed for profiling and created by ``as_of``."""
    customers = store.table("customers")
    customers = customers.filter(customers.created_at <= as_of)
    allowed = profiling_allowed(store, ibis.literal(as_of))
    base = customers.semi_join(allowed, "customer_id").select(
        "customer_id", "region", "city", tenure_days=_days(ibis.literal(as_of), customers.created_at))

    result = base
    parts = [purchase_features(store, as_of), category_features(store, as_of),
             web_features(store, as_of, session_cap_hours), interaction_features(store, as_of)]
    for part in parts:
        if part is not None:
            result = result.left_join(part, "customer_id").drop("customer_id_right")
    fills = {}
    for name, dtype in result.schema().items():
        if name in ("customer_id", "last_purchase", *NULLABLE):
            continue  # unknown stays unknown: no rating is not a rating of 0
        if dtype.is_numeric():
            fills[name] = result[name].coalesce(0)
    result = smooth_rates(result.mutate(**fills))
    if "orders_365d" in result.columns:  # after the fills: a customer without orders trends as usual (1)
        result = result.mutate(order_trend=trend(result.orders_90d, result.orders_365d))
    # Days since the last purchase; a customer who never bought is as "recent" as their tenure.
    last = result.last_purchase if "last_purchase" in result.columns else ibis.null("timestamp('UTC')")
    result = result.mutate(recency_days=_days(ibis.literal(as_of), last).coalesce(result.tenure_days))
    if "last_purchase" in result.columns:
        result = result.drop("last_purchase")
    return result.order_by("customer_id")

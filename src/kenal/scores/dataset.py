"""Training rows for a classifier score: (customer, as-of date) pairs with the features as of that
date and the outcome in the days after it.

Features as of a date are :func:`kenal.features.build_features` (which reads nothing after it), the
customer's income, the days since their last identified visit, and what a BG/NBD model fitted on the
purchases up to that date says of them (chance still alive, chance of a purchase in 90 days).  Labels
come from the purchases in ``(as_of, as_of + horizon]``.

A model that decides at time D is trained only on snapshots whose outcome window has ended by D,
``D - horizon - k * step`` for k = 0, 1, ..., so nothing after D is read.  With ``step = horizon``
(the default) the outcome windows follow each other without overlap: a fold validated on one snapshot
never trained on an outcome from the same days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import ibis
import numpy as np
import pandas as pd

from kenal.errors import ConfigError
from kenal.features import build_features
from kenal.features.build import category_column
from kenal.schema import protected_columns
from kenal.scores._mle import ModelError
from kenal.scores.bgnbd import BetaGeoModel
from kenal.scores.clv import summarise_transactions
from kenal.store import Store

STATIC_FEATURES = ("income",)  # customer attributes a score may use (never the protected ones)
CATEGORICAL = ("region", "city", "main_platform")
UNIT_DAYS = 7.0  # the BTYD models count time in weeks
BTYD_DAYS = 90  # the look-ahead of the BG/NBD features


@dataclass(frozen=True)
class Target:
    """What a classifier score predicts, ``horizon_days`` after each as-of date.

    ``category`` None: churn, "no purchase at all in the window" (label 1 = churned).  Otherwise a
    propensity, "buys in this product category in the window" (label 1 = buys)."""

    name: str
    horizon_days: int
    category: str | None = None

    def __post_init__(self):
        if int(self.horizon_days) != self.horizon_days or self.horizon_days < 1:
            raise ConfigError(f"the horizon of score '{self.name}' must be a whole number of days >= 1, "
                              f"got {self.horizon_days!r}")

    @property
    def describes(self) -> str:
        if self.category is None:
            return f"no purchase in the {self.horizon_days} days after the as-of date"
        return f"a purchase in category '{self.category}' in the {self.horizon_days} days after the as-of date"


def churn_target(horizon_days: int = 90) -> Target:
    return Target("churn", horizon_days)


def propensity_target(category: str, horizon_days: int = 30) -> Target:
    """"Buys in ``category`` in the next ``horizon_days`` days"; its column is
    ``propensity_<category>_<N>d``."""
    category = category.strip().lower()
    if not category:
        raise ConfigError("a propensity needs a product category, e.g. electronics")
    return Target(f"propensity_{category_column(category)[len('share_'):]}_{int(horizon_days)}d",
                  horizon_days, category)


def training_dates(decision: datetime, horizon_days: int, n_snapshots: int, step_days: int) -> list[datetime]:
    """The as-of dates, oldest first, of the ``n_snapshots`` latest snapshots whose whole outcome
    window ends by ``decision``: ``decision - horizon - k * step``."""
    return [decision - timedelta(days=horizon_days + k * step_days) for k in reversed(range(n_snapshots))]


def purchases(store: Store, as_of: datetime, customers: pd.Index, timezone: str) -> pd.DataFrame:
    """customer_id, timestamp (on the workspace's clock), amount (base currency) of the purchases
    of ``customers`` up to ``as_of``."""
    t = store.table("transactions")
    t = t.filter((t.kind == "purchase") & (t.timestamp <= as_of) & t.amount_base.notnull())
    t = t.select("customer_id", "timestamp", amount=t.amount_base).execute()
    t = t[t.customer_id.isin(customers)]
    t["timestamp"] = pd.to_datetime(t["timestamp"], utc=True).dt.tz_convert(timezone)
    return t


def local_day(as_of: datetime, timezone: str) -> pd.Timestamp:
    return pd.Timestamp(as_of).tz_convert(timezone).tz_localize(None).normalize()


def purchase_summary(store: Store, as_of: datetime, customers: pd.Index, timezone: str) -> pd.DataFrame:
    """frequency, recency, T (weeks) and monetary_value per customer who bought by ``as_of``."""
    t = purchases(store, as_of, customers, timezone)
    if t.empty:
        return pd.DataFrame(columns=["frequency", "recency", "T", "monetary_value"])
    return summarise_transactions(t, calibration_end=local_day(as_of, timezone), unit_days=UNIT_DAYS)


def btyd_features(summary: pd.DataFrame) -> tuple[pd.DataFrame, BetaGeoModel | None]:
    """BG/NBD fitted on ``summary``: each customer's chance of being alive, of buying in the next
    BTYD_DAYS days and the purchases expected in them; and the model (None when it cannot be fitted)."""
    columns = ["btyd_p_alive", f"btyd_p_purchase_{BTYD_DAYS}d", f"btyd_expected_{BTYD_DAYS}d"]
    if len(summary) < 10:
        return pd.DataFrame(index=summary.index, columns=columns, dtype="float64"), None
    try:
        model = BetaGeoModel().fit(summary)
    except ModelError:
        return pd.DataFrame(index=summary.index, columns=columns, dtype="float64"), None
    t = BTYD_DAYS / UNIT_DAYS
    return pd.DataFrame({columns[0]: model.p_alive(summary), columns[1]: model.p_purchase(t, summary),
                         columns[2]: model.expected_purchases(t, summary)}, index=summary.index), model


def visit_features(store: Store, as_of: datetime) -> pd.DataFrame | None:
    """Days since the last event of each identified customer up to ``as_of`` and their events in
    the last 30 days: browsing fades before a customer stops buying."""
    if not store.has("events"):
        return None
    e = store.table("events")
    e = e.filter(e.customer_id.notnull() & (e.timestamp <= as_of))
    recent = e.timestamp > ibis.literal(as_of) - ibis.interval(days=30)
    agg = e.group_by("customer_id").aggregate(last_visit=e.timestamp.max(), events_30d=recent.sum()).execute()
    agg = agg.set_index("customer_id")
    last = pd.to_datetime(agg.pop("last_visit"), utc=True)
    agg["visit_recency_days"] = (pd.Timestamp(as_of) - last).dt.total_seconds() / 86_400
    return agg


def feature_frame(store: Store, as_of: datetime, session_cap_hours: float = 12,
                  timezone: str = "Asia/Jakarta") -> tuple[pd.DataFrame, pd.DataFrame, BetaGeoModel | None]:
    """The inputs of every customer profiled as of ``as_of``, indexed by customer_id, with no
    protected attribute whatever a future feature table holds; and the purchase summary and BG/NBD
    model they came with."""
    features = build_features(store, as_of, session_cap_hours)
    customers = store.table("customers")
    static = [c for c in STATIC_FEATURES if c in customers.columns]
    if static:
        features = features.left_join(customers.select("customer_id", *static), "customer_id")
        features = features.drop("customer_id_right")
    frame = features.execute().set_index("customer_id").sort_index()
    visits = visit_features(store, as_of)
    if visits is not None:
        frame = frame.join(visits)
    summary = purchase_summary(store, as_of, frame.index, timezone) if store.has("transactions") else \
        pd.DataFrame(columns=["frequency", "recency", "T", "monetary_value"])
    btyd, model = btyd_features(summary)
    frame = add_derived(frame.join(btyd))
    return frame.drop(columns=[c for c in frame.columns if c in protected_columns()]), summary, model


def add_derived(frame: pd.DataFrame) -> pd.DataFrame:
    """Inputs a score reads better as ratios: the days since the last purchase over the customer's
    own typical gap between purchases (missing below two purchases).  Idempotent."""
    if {"recency_days", "purchase_span_days", "frequency"} <= set(frame.columns):
        n = pd.to_numeric(frame["frequency"], errors="coerce")
        gap = (pd.to_numeric(frame["purchase_span_days"], errors="coerce") / (n - 1)).where(n >= 2)
        frame = frame.assign(typical_gap_days=gap, recency_gap_ratio=frame["recency_days"] / gap.where(gap > 0))
    return frame


def outcomes(store: Store, as_of: datetime, target: Target) -> pd.Index:
    """The customers with a purchase (of the target's category) in ``(as_of, as_of + horizon]``."""
    end = as_of + timedelta(days=int(target.horizon_days))
    t = store.table("transactions")
    t = t.filter((t.kind == "purchase") & (t.timestamp > as_of) & (t.timestamp <= end))
    if target.category is not None:
        if not (store.has("transaction_items") and store.has("products")):
            raise ConfigError(f"score '{target.name}' needs transaction_items and products to know what "
                              "was bought; ingest transaction_items.csv and products.csv")
        items = store.table("transaction_items").select("transaction_id", "product_id")
        products = store.table("products")
        products = products.filter(products.category.lower() == target.category).select("product_id")
        t = t.select("transaction_id", "customer_id").join(items, "transaction_id").semi_join(products, "product_id")
    return pd.Index(t.select("customer_id").distinct().execute()["customer_id"], name="customer_id")


def labels_for(customers: pd.Index, buyers: pd.Index, target: Target) -> np.ndarray:
    """1 for a churner (no purchase) or, for a propensity, for a buyer."""
    bought = customers.isin(buyers)
    return (~bought if target.category is None else bought).astype(np.int8)


def earliest_purchase(store: Store) -> datetime | None:
    if not store.has("transactions"):
        return None
    t = store.table("transactions")
    first = t.filter(t.kind == "purchase").timestamp.min().execute()
    return None if first is None or pd.isna(first) else pd.Timestamp(first).to_pydatetime()


class FrameCache:
    """Feature frames and outcomes by as-of date, so the snapshots that several scores and their
    validation share are built once."""

    def __init__(self, store: Store, session_cap_hours: float = 12, timezone: str = "Asia/Jakarta"):
        self.store, self.session_cap_hours, self.timezone = store, session_cap_hours, timezone
        self._features: dict[datetime, pd.DataFrame] = {}
        self._btyd: dict[datetime, tuple[pd.DataFrame, BetaGeoModel | None]] = {}
        self._outcomes: dict[tuple[datetime, int, str | None], pd.Index] = {}

    def features(self, as_of: datetime) -> pd.DataFrame:
        if as_of not in self._features:
            frame, summary, model = feature_frame(self.store, as_of, self.session_cap_hours, self.timezone)
            self._features[as_of], self._btyd[as_of] = frame, (summary, model)
        return self._features[as_of]

    def purchase_model(self, as_of: datetime) -> tuple[pd.DataFrame, BetaGeoModel | None]:
        """The purchase summary as of ``as_of`` and the BG/NBD fitted on it."""
        self.features(as_of)
        return self._btyd[as_of]

    def labelled(self, as_of: datetime, target: Target) -> tuple[pd.DataFrame, np.ndarray]:
        key = (as_of, target.horizon_days, target.category)
        if key not in self._outcomes:
            self._outcomes[key] = outcomes(self.store, as_of, target)
        frame = self.features(as_of)
        return frame, labels_for(frame.index, self._outcomes[key], target)

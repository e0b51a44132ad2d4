"""The feature table against values computed by hand."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kenal.config import Settings
from kenal.features import build_features
from kenal.ingest import ingest
from kenal.store import Store
from tests.conftest import write_csv

AS_OF = datetime(2026, 3, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("features")
    store = Store.open(tmp_path / "ws", Settings())
    d = tmp_path / "in"
    write_csv(d, "customers", ["customer_id", "created_at", "gender"], [
        ["C1", "2025-01-01T00:00:00+07:00", "f"], ["C2", "2025-06-01T00:00:00+07:00", "m"],
        ["C3", "2026-01-01T00:00:00+07:00", "f"],  # refused profiling
        ["C4", "2026-05-01T00:00:00+07:00", "m"],  # joins after the snapshot
        ["C5", "2025-01-01T00:00:00+07:00", "m"]])  # no consent record: denied by default
    write_csv(d, "consents", ["customer_id", "purpose", "granted", "timestamp"], [
        ["C1", "profiling", "true", "2025-01-01T00:00:00+07:00"],
        ["C2", "profiling", "true", "2025-06-01T00:00:00+07:00"],
        ["C2", "profiling", "false", "2026-04-01T00:00:00+07:00"],  # withdrawn after the snapshot
        ["C3", "profiling", "false", "2026-01-01T00:00:00+07:00"],
        ["C4", "profiling", "true", "2026-05-01T00:00:00+07:00"],
        ["C5", "marketing", "true", "2025-01-01T00:00:00+07:00"]])
    write_csv(d, "fx_rates", ["date", "currency", "rate"], [["2026-01-01", "USD", "16000"]])
    write_csv(d, "products", ["product_id", "category"], [["P1", "Fashion"], ["P2", "Electronics"]])
    write_csv(d, "transactions", ["transaction_id", "customer_id", "timestamp", "amount", "currency", "kind", "channel"], [
        ["T1", "C1", "2026-01-03T10:00:00+07:00", "100000", "IDR", "purchase", "online"],  # a Saturday
        ["T2", "C1", "2026-02-02T10:00:00+07:00", "50", "USD", "purchase", "store"],  # a Monday, 800,000 IDR
        ["T3", "C1", "2026-02-10T10:00:00+07:00", "100000", "IDR", "return", "online"],
        ["T4", "C1", "2026-03-05T10:00:00+07:00", "999999", "IDR", "purchase", "online"],  # after as-of
        ["T5", "C3", "2026-02-01T10:00:00+07:00", "5000", "IDR", "purchase", "online"]])
    write_csv(d, "transaction_items", ["transaction_id", "product_id", "quantity", "unit_price"], [
        ["T1", "P1", "2", "50000"], ["T2", "P2", "1", "50"], ["T4", "P2", "1", "999999"]])
    E = ["message_id", "type", "timestamp", "customer_id", "anonymous_id", "event", "session_id", "page_path"]
    write_csv(d, "events", E, [
        ["m1", "page", "2026-02-01T10:00:00+07:00", "", "A1", "", "S1", "/Promo/Ramadan"],  # any case
        ["m2", "track", "2026-02-01T10:01:00+07:00", "", "A1", "Product Viewed", "S1", ""],
        ["m3", "identify", "2026-02-01T10:02:00+07:00", "C1", "A1", "", "S1", ""],
        ["m4", "track", "2026-02-01T10:03:00+07:00", "C1", "A1", "Product Added", "S1", ""],
        ["m5", "track", "2026-02-02T10:00:00+07:00", "C1", "", "Product Added", "S2", ""],
        ["m6", "track", "2026-02-02T10:05:00+07:00", "C1", "", "Order Completed", "S2", ""],
        ["m7", "page", "2026-02-03T10:00:00+07:00", "", "A9", "", "S3", "/pricing"],  # never linked
        ["m8", "page", "2026-03-03T10:00:00+07:00", "C1", "", "", "S4", "/pricing"]])  # after as-of
    write_csv(d, "interactions", ["interaction_id", "customer_id", "timestamp", "channel", "rating"], [
        ["I1", "C1", "2026-01-10T10:00:00+07:00", "review", "5"],
        ["I2", "C1", "2026-02-10T10:00:00+07:00", "review", "1"]])
    ingest(store, d)
    yield build_features(store, AS_OF).execute().set_index("customer_id")
    store.close()


def test_only_customers_allowed_and_existing_at_as_of_get_features(features):
    assert features.index.tolist() == ["C1", "C2"]


def test_protected_attributes_are_not_features(features):
    assert "gender" not in features.columns and "birth_year" not in features.columns


def test_purchase_features_by_hand(features):
    c1 = features.loc["C1"]
    assert c1.tenure_days == pytest.approx(424 + 7 / 24)
    assert (c1.frequency, c1.returns, c1.orders_90d) == (2, 1, 2)
    assert c1.monetary == 900_000 and c1.revenue_90d == 900_000 and c1.returned_value == 100_000
    # windows end at as-of: T2 (27 days before) is in the last 30 days, T1 (57 days before) is not
    assert (c1.orders_30d, c1.revenue_30d, c1.orders_365d, c1.revenue_365d) == (1, 800_000, 2, 900_000)
    assert c1.order_trend == pytest.approx(3 / (2 * 90 / 365 + 1))  # 2 orders in 90 days against 2 a year
    assert features.loc["C2"].order_trend == 1.0  # no orders: as usual
    assert c1.avg_basket == 450_000
    assert (c1.return_rate, c1.online_share, c1.weekend_share) == (0.5, 0.5, 0.5)
    assert c1.purchase_span_days == pytest.approx(30.0)
    assert c1.recency_days == pytest.approx(26 + 21 / 24)


def test_category_shares_are_in_base_currency(features):
    assert features.loc["C1", "share_electronics"] == pytest.approx(800_000 / 900_000)
    assert features.loc["C1", "share_fashion"] == pytest.approx(100_000 / 900_000)


def test_web_features_follow_identity_links(features):
    c1 = features.loc["C1"]
    assert (c1.sessions, c1.page_views, c1.product_views, c1.cart_adds) == (2, 1, 1, 2)
    assert (c1.promo_visits, c1.pricing_visits, c1.checkouts) == (1, 0, 0)
    assert c1.cart_abandonment == 0.5
    counts = ["sessions", "page_views", "product_views", "cart_adds", "checkouts", "pricing_visits", "promo_visits"]
    assert set(features[counts].dtypes.astype(str)) == {"int64"}  # counts, not floats


def test_interaction_features(features):
    c1 = features.loc["C1"]
    assert (c1.interactions, c1.complaints, c1.avg_rating) == (2, 1, 3.0)


def test_customer_without_activity_gets_the_population_rates(features):
    c2 = features.loc["C2"]
    assert (c2.frequency, c2.monetary, c2.sessions, c2.interactions) == (0, 0, 0, 0)
    # No orders is no evidence: the smoothed rates are the population's (here C1's only).
    assert (c2.online_share, c2.return_rate, c2.weekend_share, c2.cart_abandonment) == (0.5, 0.5, 0.5, 0.5)
    assert c2.share_electronics == pytest.approx(800_000 / 900_000)
    assert c2.recency_days == c2.tenure_days == pytest.approx(273 + 7 / 24)
    assert c2.avg_rating != c2.avg_rating  # unknown, not zero


def test_rates_are_smoothed_toward_the_population_rate(granting_store, tmp_path):
    # A: 1 online order of 1; B: 9 online of 9; C: 0 of 10.  Population: 10 online of 20 = 0.5.
    rows, n = [], 0
    for customer, online, store in (("A", 1, 0), ("B", 9, 0), ("C", 0, 10)):
        for channel, count in (("online", online), ("store", store)):
            for _ in range(count):
                n += 1
                rows.append([f"T{n}", customer, "2026-01-05T10:00:00+07:00", "1000", "IDR", channel])
    d = tmp_path / "rates"
    write_csv(d, "customers", ["customer_id", "created_at"], [[c, "2025-01-01"] for c in "ABC"])
    write_csv(d, "transactions", ["transaction_id", "customer_id", "timestamp", "amount", "currency", "channel"], rows)
    ingest(granting_store, d)
    f = build_features(granting_store, AS_OF).execute().set_index("customer_id")
    # (online + 2 x 0.5) / (orders + 2)
    assert f.online_share.to_dict() == pytest.approx({"A": 2 / 3, "B": 10 / 11, "C": 1 / 12})


def test_weekend_is_judged_on_the_workspace_clock(granting_store, tmp_path):
    d = tmp_path / "weekend"
    write_csv(d, "customers", ["customer_id", "created_at"], [["A", "2025-01-01"]])
    write_csv(d, "transactions", ["transaction_id", "customer_id", "timestamp", "amount", "currency"], [
        ["T1", "A", "2026-01-04T20:00:00+07:00", "1", "IDR"],  # Sunday evening in Jakarta (13:00 UTC)
        ["T2", "A", "2026-01-05T01:00:00+07:00", "1", "IDR"],  # Monday 01:00 in Jakarta, Sunday in UTC
        ["T3", "A", "2026-01-03T06:00:00+07:00", "1", "IDR"],  # Saturday morning in Jakarta, Friday in UTC
    ])
    ingest(granting_store, d)
    f = build_features(granting_store, AS_OF).execute().set_index("customer_id")
    # 2 weekend orders of 3, smoothed toward the population (A alone): (2 + 2 * 2/3) / (3 + 2)
    assert f.loc["A", "weekend_share"] == pytest.approx((2 + 2 * 2 / 3) / 5)

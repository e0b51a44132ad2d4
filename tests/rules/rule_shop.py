"""A tiny shop whose window counts are computed by hand, for the rule tests on every engine.

As of 2026-03-01 00:00 UTC:

=====  =========================================================  ==========================================
       events (Product Viewed / pages)                            transactions (IDR)
=====  =========================================================  ==========================================
C1     PV at as_of - 7d (out of a 7-day window, in a 14-day one),  100,000 at as_of - 30d (out of 30 days),
       PV 12 h before as_of, PV exactly at as_of (in),             200,000 on 15 Feb, 300,000 exactly at as_of,
       PV after as_of (never), "product viewed" (another name),    a return of 50,000 on 20 Feb,
       /Pricing/plans page on 27 Feb, a /promo page,               999,999 after as_of (never)
       a PV while anonymous (A1) on 26 Feb, then identified
C2     two PV in a Googlebot session (a bot: not counted),        1,000,000 on 1 Dec 2025
       one PV in a browser
C3     nothing                                                     nothing
anon   A9, never identified: PV and /pricing (nobody's)
=====  =========================================================  ==========================================

Ratings: C1 5, C2 2, C3 none. Regions: C1 Bali, C2 Jawa Barat, C3 unknown.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from tests.conftest import write_csv

AS_OF = datetime(2026, 3, 1, tzinfo=timezone.utc)
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PV = "Product Viewed"

# the value of each call per customer, by hand from the table above
EXPECTED = {
    'visits("Product Viewed", days=7)': {"C1": 3, "C2": 1, "C3": 0},  # C1: 12 h before, at as_of, anonymous
    'visits("Product Viewed", days=14)': {"C1": 4, "C2": 1, "C3": 0},  # + the one at as_of - 7d
    'visits("product viewed", days=14)': {"C1": 1, "C2": 0, "C3": 0},  # names are exact
    'viewed_page("/pricing", days=7)': {"C1": 1, "C2": 0, "C3": 0},  # /Pricing/plans; A9's is nobody's
    'viewed_page("/PROMO", days=7)': {"C1": 1, "C2": 0, "C3": 0},  # paths are case-insensitive
    "orders(days=30)": {"C1": 2, "C2": 0, "C3": 0},  # 15 Feb and at as_of; as_of - 30d is out
    "orders(days=31)": {"C1": 3, "C2": 0, "C3": 0},
    "orders(days=100)": {"C1": 3, "C2": 1, "C3": 0},
    "revenue(days=30)": {"C1": 500_000.0, "C2": 0.0, "C3": 0.0},
    "revenue(days=31)": {"C1": 600_000.0, "C2": 0.0, "C3": 0.0},
    "returns(days=30)": {"C1": 1, "C2": 0, "C3": 0},
}

# rules and the customers they select, by hand
RULES = {
    'visits("Product Viewed", days=7) >= 3': {"C1"},
    'visits("Product Viewed", days=7) == 1': {"C2"},
    'viewed_page("/pricing", days=14) >= 1 and orders(days=14) == 0': set(),  # C1 ordered at as_of
    'viewed_page("/pricing", days=14) >= 1 and orders(days=10) == 1': {"C1"},
    "orders(days=30) == 0": {"C2", "C3"},
    "orders(days=30) == 0 and lifetime_value > 500_000": {"C2"},
    "lifetime_value >= 600_000 or returns(days=30) > 0": {"C1", "C2"},
    "1 <= orders(days=100) <= 2": {"C2"},
    "revenue(days=31) - revenue(days=30) == 100_000": {"C1"},
    "revenue(days=30) / orders(days=30) > 200_000": {"C1"},  # 250,000; 0 / 0 is missing: false
    "not (revenue(days=30) / orders(days=30) > 200_000)": {"C2", "C3"},
    "avg_rating < 3": {"C2"},  # C3 has no rating: false
    "avg_rating != 5": {"C2"},
    "not (avg_rating >= 3)": {"C2", "C3"},
    'region == "Bali"': {"C1"},
    'region != "Bali"': {"C2"},  # C3's region is unknown: false
    'not region == "Bali"': {"C2", "C3"},
    "-lifetime_value < -999_999.5": {"C2"},
    "lifetime_orders * 2 + 0.5 > 4": {"C1"},  # C1: 3 * 2 + 0.5; C2: 1 * 2 + 0.5
    "true": {"C1", "C2", "C3"},
    "false or 2 > 3": set(),
}


def write_shop(folder: Path) -> Path:
    write_csv(folder, "customers", ["customer_id", "created_at", "region"], [
        ["C1", "2025-01-01T00:00:00+00:00", "Bali"], ["C2", "2025-01-01T00:00:00+00:00", "Jawa Barat"],
        ["C3", "2025-01-01T00:00:00+00:00", ""]])
    write_csv(folder, "transactions", ["transaction_id", "customer_id", "timestamp", "amount", "currency", "kind"], [
        ["T1", "C1", "2026-01-30T00:00:00+00:00", "100000", "IDR", "purchase"],
        ["T2", "C1", "2026-02-15T10:00:00+00:00", "200000", "IDR", "purchase"],
        ["T3", "C1", "2026-02-20T10:00:00+00:00", "50000", "IDR", "return"],
        ["T4", "C1", "2026-03-01T00:00:00+00:00", "300000", "IDR", "purchase"],
        ["T5", "C1", "2026-03-02T00:00:00+00:00", "999999", "IDR", "purchase"],
        ["T6", "C2", "2025-12-01T10:00:00+00:00", "1000000", "IDR", "purchase"]])
    E = ["message_id", "type", "timestamp", "customer_id", "anonymous_id", "event", "session_id", "page_path",
         "user_agent"]
    write_csv(folder, "events", E, [
        ["m1", "track", "2026-02-22T00:00:00+00:00", "C1", "", PV, "S1", "", BROWSER],
        ["m2", "track", "2026-02-28T12:00:00+00:00", "C1", "", PV, "S2", "", BROWSER],
        ["m3", "track", "2026-03-01T00:00:00+00:00", "C1", "", PV, "S3", "", BROWSER],
        ["m4", "track", "2026-03-02T00:00:00+00:00", "C1", "", PV, "S4", "", BROWSER],
        ["m5", "track", "2026-02-25T10:00:00+00:00", "C1", "", "product viewed", "S5", "", BROWSER],
        ["m6", "page", "2026-02-27T10:00:00+00:00", "C1", "", "", "S6", "/Pricing/plans", BROWSER],
        ["m7", "page", "2026-02-27T10:05:00+00:00", "C1", "", "", "S6", "/promo/ramadan", BROWSER],
        ["m8", "track", "2026-02-26T10:00:00+00:00", "", "A1", PV, "S7", "", BROWSER],
        ["m9", "identify", "2026-02-26T10:01:00+00:00", "C1", "A1", "", "S7", "", BROWSER],
        ["m10", "track", "2026-02-27T10:00:00+00:00", "C2", "", PV, "SB", "", BOT],
        ["m11", "track", "2026-02-27T10:00:05+00:00", "C2", "", PV, "SB", "", BOT],
        ["m12", "track", "2026-02-27T11:00:00+00:00", "C2", "", PV, "S8", "", BROWSER],
        ["m13", "track", "2026-02-27T12:00:00+00:00", "", "A9", PV, "S9", "", BROWSER],
        ["m14", "page", "2026-02-27T12:01:00+00:00", "", "A9", "", "S9", "/pricing", BROWSER]])
    write_csv(folder, "interactions", ["interaction_id", "customer_id", "timestamp", "channel", "rating"], [
        ["I1", "C1", "2026-02-01T10:00:00+00:00", "review", "5"],
        ["I2", "C2", "2026-02-01T10:00:00+00:00", "review", "2"]])
    return folder

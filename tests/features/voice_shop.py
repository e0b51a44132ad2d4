"""A tiny shop whose attitudinal features are known by hand (tests/features/test_voice.py and the engines)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from kenal.text.sentiment import sentiment
from tests.conftest import write_csv

AS_OF = datetime(2026, 3, 1, tzinfo=timezone.utc)  # the 90-day trend window starts 2025-12-01
LATER = datetime(2026, 4, 1, tzinfo=timezone.utc)

PRAISE = "Barangnya bagus banget, puas!"  # positive
BROKEN = "Kecewa, barangnya rusak. Mohon dibantu refund."  # negative and a complaint (a problem and a request)
FAST = "Pengiriman cepat, mantap"  # positive
QUESTION = "Mau tanya prosedur retur"  # neutral, not a complaint
INTERACTIONS = [  # interaction_id, customer_id, timestamp, channel, text, rating, nps
    ["I1", "C1", "2025-10-01T10:00:00+00:00", "review", PRAISE, "5", ""],  # before the last 90 days
    ["I2", "C1", "2026-01-15T10:00:00+00:00", "survey", "", "", "10"],  # a promoter, no text
    ["I3", "C1", "2026-02-10T10:00:00+00:00", "ticket", BROKEN, "", ""],
    ["I4", "C1", "2026-02-20T10:00:00+00:00", "survey", "", "", "6"],  # a detractor, no text: a complaint
    ["I5", "C1", "2026-03-05T10:00:00+00:00", "review", "Jelek, kecewa. Tolong refund", "1", "0"],  # after as-of
    ["I6", "C2", "2026-02-01T10:00:00+00:00", "review", FAST, "4", ""],
    ["I7", "C2", "2026-02-02T10:00:00+00:00", "review", "", "2", ""],  # 2 stars, no text: a complaint
    ["I8", "C2", "2026-02-03T10:00:00+00:00", "chat", QUESTION, "", ""],
    ["I9", "C2", "2026-02-04T10:00:00+00:00", "review", "http://bit.ly/x7Qp2", "1", ""],  # spam: left out
    ["I10", "C2", "2026-02-05T10:00:00+00:00", "review", "Bagus", "9", ""],  # a rating off the scale: unknown
]
COLUMNS = ["interaction_id", "customer_id", "timestamp", "channel", "text", "rating", "nps"]


def write_shop(folder: Path, interactions: list[list[str]] = INTERACTIONS) -> Path:
    write_csv(folder, "customers", ["customer_id", "created_at"], [
        ["C1", "2025-01-01T00:00:00+00:00"], ["C2", "2025-01-01T00:00:00+00:00"], ["C3", "2025-01-01T00:00:00+00:00"]])
    write_csv(folder, "interactions", COLUMNS, interactions)
    return folder


def score(text: str) -> float:
    return sentiment(text)[1]


def expected() -> dict[str, dict]:
    """customer -> feature -> value (None: unknown)."""
    praise, broken, fast, bagus = score(PRAISE), score(BROKEN), score(FAST), score("Bagus")
    return {
        "C1": {"interactions": 4, "complaints": 2, "nps": 0.0, "nps_responses": 2, "avg_nps": 8.0, "csat": 1.0,
               "ratings": 1, "avg_rating": 5.0, "texts": 2, "negative_share": 0.5,
               "avg_sentiment": (praise + broken) / 2, "sentiment_trend_90d": broken - praise},
        "C2": {"interactions": 4, "complaints": 1, "nps": None, "nps_responses": 0, "avg_nps": None, "csat": 0.5,
               "ratings": 2, "avg_rating": 3.0, "texts": 3, "negative_share": 0.0,
               "avg_sentiment": (fast + score(QUESTION) + bagus) / 3, "sentiment_trend_90d": None},
        "C3": {"interactions": 0, "complaints": 0, "nps": None, "nps_responses": 0, "avg_nps": None, "csat": None,
               "ratings": 0, "avg_rating": None, "texts": 0, "negative_share": None, "avg_sentiment": None,
               "sentiment_trend_90d": None},
    }


def check(features, approx) -> None:
    """``features`` (indexed by customer_id) hold exactly the expected values."""
    assert sorted(features.index) == ["C1", "C2", "C3"]
    for customer, values in expected().items():
        for name, value in values.items():
            got = features.loc[customer, name]
            if value is None:
                assert got is None or got != got, (customer, name, got)
            else:
                assert got == approx(value, abs=1e-6), (customer, name, got, value)

"""Lifecycle stages on a hand-computed table: the business's typical gap is 30 days, so "new" is
a first purchase within 90 days, and each stage follows from recency against the customer's rhythm."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kenal.models import LifecycleSegmenter
from kenal.models.lifecycle import STAGES

# customer: frequency, purchase_span_days, recency_days, tenure_days, last_gap_days, expected stage
ROWS = {
    # 5 purchases 30 days apart: expected gap E = (120 + 2*30) / (4 + 2) = 30
    "A": (5, 120, 10, 400, 30, "Active"),        # silent 10/30 gaps: exp(-0.33) = 72%
    "B": (5, 120, 50, 400, 30, "At risk"),       # exp(-1.67) = 19%
    "C": (5, 120, 100, 400, 30, "Lapsed"),       # exp(-3.33) = 3.6%
    "D": (5, 120, 150, 400, 30, "Churned"),      # exp(-5) = 0.7%, and silent longer than 90 days
    "E": (1, 0, 20, 30, 0, "New"),               # first purchase 20 days ago
    "F": (0, 0, 30, 30, 0, "New"),               # an account 30 days old, no purchase yet
    "G": (0, 0, 400, 400, 0, "Never purchased"),
    # back after 200 days, where the rhythm before was E = (100 + 60) / (3 + 2) = 32 days: exp(-6.25)
    "H": (5, 300, 5, 400, 200, "Reactivated"),
    "I": (5, 120, 5, 400, 40, "Active"),         # a 40-day gap at a 28-day rhythm is no comeback
    # weekly buyer (E = 200 / 22 = 9.1 days) silent for 60 days: exp(-6.6), yet not 90 days: lapsed
    "J": (21, 140, 60, 400, 7, "Lapsed"),
}


def table() -> pd.DataFrame:
    return pd.DataFrame([(c, *r[:5]) for c, r in ROWS.items()],
                        columns=["customer_id", "frequency", "purchase_span_days", "recency_days", "tenure_days",
                                 "last_gap_days"])


def test_stages_match_the_hand_computed_table():
    model = LifecycleSegmenter().fit(table())
    # repeat buyers' mean gaps: 30, 30, 30, 30, 75, 30, 7 -> median 30
    assert model.typical_gap_days_ == 30.0 and model.new_days_ == 90.0
    got = [STAGES[k] for k in model.predict(table())]
    assert dict(zip(ROWS, got)) == {c: r[5] for c, r in ROWS.items()}


def test_the_new_window_follows_the_business_rhythm_within_bounds():
    fast = table().assign(purchase_span_days=lambda t: t.purchase_span_days / 10)  # 3-day gaps
    slow = table().assign(purchase_span_days=lambda t: t.purchase_span_days * 10)  # 300-day gaps
    assert LifecycleSegmenter().fit(fast).new_days_ == 30.0  # 9 days, raised to the 30-day floor
    assert LifecycleSegmenter().fit(slow).new_days_ == 365.0  # 900 days, capped at a year


def test_the_thresholds_are_the_stated_probabilities():
    model = LifecycleSegmenter().fit(table())
    # A customer with E = 30 exactly at each boundary, and just past it
    edges = {"Active": -math.log(0.25), "At risk": -math.log(0.05), "Lapsed": -math.log(0.01)}
    rows = []
    for stage, overdue in edges.items():
        for recency in (30 * overdue - 0.01, 30 * overdue + 0.01):
            rows.append(("X", 5, 120, recency, 400, 30))
    t = pd.DataFrame(rows, columns=table().columns)
    assert [STAGES[k] for k in model.predict(t)] == ["Active", "At risk", "At risk", "Lapsed", "Lapsed", "Churned"]


def test_missing_features_are_named():
    with pytest.raises(ValueError, match="lifecycle stages need the feature\\(s\\) last_gap_days"):
        LifecycleSegmenter().fit(table().drop(columns="last_gap_days"))

"""Surrogate rules, personas, potential and validity warnings on hand-built tables."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kenal.models import SegmentProfile
from kenal.models.persona import persona, potential
from kenal.models.surrogate import fit_surrogate, single_feature_driver
from kenal.models.validity import overlapping, validity_warnings


def _grid(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"orders": rng.integers(0, 30, n).astype(float), "basket": rng.uniform(0, 100, n),
                         "noise": rng.normal(size=n)})


def test_rules_recover_the_thresholds_that_define_the_segments():
    t = _grid()
    labels = np.where((t.orders > 10) & (t.basket <= 40), 1, 0)
    surrogate = fit_surrogate(t, labels, ["orders", "basket", "noise"])
    assert (surrogate.fidelity, surrogate.depth, surrogate.n_rules) == (1.0, 2, 3)
    [rule] = surrogate.rules[1]
    conditions = {(c["feature"], c["op"]): c["value"] for c in rule.conditions}
    # orders is a count, so the split at 10.5 reads as a whole number
    assert conditions.keys() == {("orders", ">="), ("basket", "<=")}
    assert conditions["orders", ">="] == 11.0
    assert abs(conditions["basket", "<="] - 40) < 0.2  # midway between the nearest values either side
    assert (rule.coverage, rule.precision) == (1.0, 1.0)
    assert "orders >= 11" in rule.text() and " and " in rule.text()
    assert surrogate.summary() == ("These 3 rules (a decision tree of depth 2) reproduce 100% of the assignment "
                                   "on customers they were not fitted on.")


def test_rules_grow_only_as_deep_as_the_target_fidelity_needs():
    t = _grid()
    labels = (t.orders > 10).astype(int).to_numpy()
    surrogate = fit_surrogate(t, labels, ["orders", "basket", "noise"])
    assert (surrogate.depth, surrogate.n_rules) == (1, 2)
    assert [c for c in surrogate.rules[0][0].conditions] == [
        {"feature": "orders", "op": "<=", "value": 10.0, "or_missing": False}]


def test_a_missing_value_is_said_to_follow_its_branch():
    t = _grid()
    t.loc[t.index[::10], "basket"] = np.nan
    labels = np.where(t.basket.isna() | (t.basket > 50), 1, 0)
    surrogate = fit_surrogate(t, labels, ["orders", "basket", "noise"])
    assert surrogate.depth == 1
    [rule] = surrogate.rules[1]
    assert rule.conditions[0]["or_missing"] is True
    assert surrogate.rules[0][0].conditions[0]["or_missing"] is False
    assert re.fullmatch(r"\(basket > (49|50)\.\d+ or unknown\)", rule.text())


def test_unassigned_customers_are_left_out_of_the_rules():
    t = _grid()
    labels = np.where(t.orders > 10, 1, 0)
    labels[:100] = -1
    surrogate = fit_surrogate(t, labels, ["orders", "basket", "noise"])
    assert set(surrogate.rules) == {0, 1}


def test_a_segment_one_threshold_reproduces_is_flagged_and_one_needing_two_is_not():
    t = _grid()
    one = (t.basket > 80).to_numpy()
    two = ((t.orders > 15) & (t.basket <= 50)).to_numpy()
    labels = np.select([one, two], [1, 2], 0)
    drivers = single_feature_driver(t, labels, ["orders", "basket", "noise"])
    assert set(drivers) == {1}
    condition, f1 = drivers[1]
    assert (condition["feature"], condition["op"], f1) == ("basket", ">", 1.0)


FEATURES = pd.DataFrame({
    "customer_id": ["a", "b", "c", "d"],
    "tenure_days": [100.0, 200.0, 400.0, 800.0],
    "city": ["Medan", "Medan", "Bandung", "Jakarta"],
    "frequency": [2, 4, 0, 10],
    "monetary": [300.0, 500.0, 0.0, 5000.0],
    "orders_90d": [1, 0, 0, 3],
    "share_fashion": [0.5, 0.7, 0.0, 0.2],
    "share_home": [0.5, 0.3, 0.0, 0.8],
    "online_share": [1.0, 0.5, 0.5, 0.2],
})


def test_persona_reads_the_members_medians_beside_everyones():
    mask = np.array([True, True, False, False])
    text = persona(FEATURES, mask, currency="IDR")
    assert text == (
        "Customers for 5 months (median; everyone: 10 months), 100% of them in Medan (against 50% of all "
        "customers). They have bought 3 times (median; everyone: 3 times), IDR 133 per order, 60% of their "
        "spend on fashion (everyone: 35%). 75% of their orders are online.")


def test_potential_is_conversion_order_value_and_reach():
    mask = np.array([True, True, False, True])
    reachable = np.array([True, False, True, True])
    assert potential(FEATURES, mask, reachable) == {
        "conversion_rate": 2 / 3, "average_order_value": 5800 / 16, "reachability": 2 / 3}
    assert potential(FEATURES, mask, None)["reachability"] is None


def _profile(segment_id: int, name: str, size: int) -> SegmentProfile:
    return SegmentProfile(segment_id, name, size, share=0.0, revenue_share=0.0)


def test_validity_warnings_name_small_overlapping_and_too_many_segments():
    rng = np.random.default_rng(0)
    # segments 0 and 1 are one blob split in two; segment 2 lies far away
    Z = np.vstack([rng.normal(0, 1, (400, 2)), rng.normal(20, 1, (50, 2))])
    labels = np.r_[np.where(Z[:400, 0] < 0, 0, 1), np.full(50, 2)]
    pairs = overlapping(Z, labels)
    assert [(i, j) for i, j, *_ in pairs] == [(0, 1)]
    profiles = [_profile(0, "Left", 200), _profile(1, "Right", 200), _profile(2, "Far", 50)]
    warnings = validity_warnings(profiles, min_size=100, overlaps=pairs)
    valley = pairs[0][2]
    assert 0.9 < valley < 1.6  # a normal density halfway between two half-blob centres is ~1.4x that at them
    assert warnings == [
        "Segment 2 (Far) has 50 customers, fewer than the 100 needed to act on it (min_segment_size).",
        f"Segments 0 (Left) and 1 (Right) overlap heavily: halfway between their centres customers are "
        f"{valley:.0%} as dense as at the centres, so there is no gap between them.",
        "Too many segments for the data: 3 of 3 are too small or overlap another; fewer segments would describe "
        "these customers as well.",
    ]
    assert validity_warnings(profiles, min_size=10) == []


def test_well_separated_segments_do_not_overlap():
    rng = np.random.default_rng(1)
    Z = np.vstack([rng.normal(0, 1, (300, 3)), rng.normal(6, 1, (300, 3))])
    assert overlapping(Z, np.repeat([0, 1], 300)) == []

"""Value tiers and attribute groups on hand-computed tables."""

from __future__ import annotations

import pandas as pd
import pytest

from kenal.models import AgeBands, CategoryGroups, ValueTiers


def test_value_tiers_match_the_hand_computed_table():
    revenue = [1000, 900, 800, 800, 700, 600, 500, 400, 300, 200, 0, 0]
    model = ValueTiers(tiers=(0.1, 0.2, 0.3)).fit(pd.DataFrame({"monetary": revenue}))
    # 10 buyers: the 1st, 3rd and 6th highest revenues end the tiers; the second 800 ties with the 3rd
    assert model.thresholds_ == [1000.0, 800.0, 600.0]
    assert model.segment_names_ == ["Top 10%", "Next 20%", "Next 30%", "Rest 40%", "No revenue"]
    assert model.predict(pd.DataFrame({"monetary": revenue})).tolist() == [0, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4]


def test_value_tiers_of_a_tiny_population_keep_the_top_tier():
    model = ValueTiers().fit(pd.DataFrame({"monetary": [50.0, 10.0, 0.0]}))
    # 2 buyers: the top 1%, 10% and 50% each end at the first buyer, so the second is in the rest
    assert model.thresholds_ == [50.0, 50.0, 50.0]
    assert model.predict(pd.DataFrame({"monetary": [50.0, 10.0, 0.0, 70.0]})).tolist() == [0, 3, 4, 0]


def test_value_tiers_reject_shares_that_leave_no_rest():
    with pytest.raises(ValueError, match=r"tiers must be positive shares summing to less than 1, got \[0.5, 0.5\]"):
        ValueTiers(tiers=(0.5, 0.5)).fit(pd.DataFrame({"monetary": [1.0]}))


def test_small_groups_become_other_and_missing_values_unknown():
    values = ["Bali"] * 3 + ["Jawa Barat"] * 3 + ["Papua"] + [None] + ["Banten"] * 2
    t = pd.DataFrame({"region": values})
    model = CategoryGroups("region", min_share=0.2).fit(t)
    # equal sizes in name order; Papua (10%) is under the 20% minimum
    assert model.segment_names_ == ["Bali", "Jawa Barat", "Banten", "Other", "Unknown"]
    assert model.predict(t).tolist() == [0, 0, 0, 1, 1, 1, 3, 4, 2, 2]


def test_fixed_groups_keep_their_ids_when_empty():
    model = CategoryGroups("platform", values=("app", "web"), labels={"app": "App"}, missing="None").fit(
        pd.DataFrame({"platform": ["web", "web", "tv"]}))
    assert model.segment_names_ == ["App", "web", "None"]
    assert model.predict(pd.DataFrame({"platform": ["web", "app", None, "tv"]})).tolist() == [1, 0, 2, 2]


def test_age_bands_match_the_hand_computed_table():
    model = AgeBands(year=2026).fit()
    assert model.segment_names_ == ["Under 25", "25-34", "35-44", "45-54", "55-64", "65 and over", "Unknown"]
    years = pd.DataFrame({"birth_year": [2002, 2001, 1992, 1991, 1962, 1961, None, 1850, 2030]})
    # ages 24, 25, 34, 35, 64, 65; no year, 176 and -4 are unknown
    assert model.predict(years).tolist() == [0, 1, 1, 2, 4, 5, 6, 6, 6]


def test_age_bands_reject_edges_that_do_not_increase():
    with pytest.raises(ValueError, match=r"age band edges must be increasing positive ages, got \[30, 20\]"):
        AgeBands(year=2026, edges=(30, 20)).fit()

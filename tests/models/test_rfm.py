"""RFM: quintile scores among buyers with ties kept together, and the published RFM map."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from kenal.models import RFMSegmenter, describe_rfm
from kenal.models.rfm import PUBLISHED_MAP, SEGMENT_NAMES, matching_rows, segment_for, segment_id

NA = pd.NA

# Worked by hand.  10 buyers, so a buyer's score is ceil(5 * (below + equal / 2) / 10)
# = ceil((2 * below + equal) / 4), where below counts buyers with a worse value.
#   recency (fewer days better): 700, 400 -> 1; 200, 90 -> 2; 60 -> 3; the two 30s share ranks 6-7,
#     (10 + 2) / 4 = 3 -> 3 for both; 10 -> 4; 2, 1 -> 5 (A bought yesterday).
#   frequency: 1 is shared by 4 of 10 buyers (40%): (0 + 4) / 4 = 1 -> 1 for all four; the two 2s:
#     (8 + 2) / 4 = 2.5 -> 3; 3, 5 -> 4; 8, 12 -> 5.  Nobody scores 2.
#   monetary: 20 is shared by 3: 3 / 4 -> 1; the two 100s: (6 + 2) / 4 = 2 -> 2; 400: 11 / 4 -> 3;
#     800, 1500 -> 4; 3000, 5000 -> 5.
#   K and L never bought: no scores, and they do not move the buyers' ranks (K's 5 days would).
# Segment from R and F/M = (f + m) / 2 in the resolved map below.
HAND = [  # customer_id, recency_days, frequency, monetary, r, f, m, segment, id
    ("A", 1, 12, 5000.0, 5, 5, 5, "Champions", 0),              # F/M 5
    ("B", 2, 1, 20.0, 5, 1, 1, "New", 3),                       # F/M 1
    ("K", 5, 0, 0.0, NA, NA, NA, "No purchase yet", 11),
    ("C", 10, 1, 20.0, 4, 1, 1, "Promising", 4),                # F/M 1
    ("D", 30, 2, 100.0, 3, 3, 2, "Need attention", 5),          # F/M 2.5
    ("E", 30, 5, 3000.0, 3, 4, 5, "Loyal", 1),                  # F/M 4.5
    ("F", 60, 1, 100.0, 3, 1, 2, "About to sleep", 6),          # F/M 1.5
    ("G", 90, 3, 1500.0, 2, 4, 4, "At risk", 7),                # F/M 4
    ("H", 200, 1, 400.0, 2, 1, 3, "Hibernating", 9),            # F/M 2: inside Lost, Hibernating wins
    ("L", 900, 0, 0.0, NA, NA, NA, "No purchase yet", 11),
    ("I", 400, 8, 800.0, 1, 5, 4, "Can't lose them", 8),        # F/M 4.5: inside At risk, wins
    ("J", 700, 2, 20.0, 1, 3, 1, "Lost", 10),                   # F/M 2: At risk needs F/M > 2
]

# The resolved map, written out by hand from the published ranges read as (low, high]:
# row R, columns F/M = 1, 1.5, ..., 5.
CH, LO, PL, NE, PR, NA_, AS, AR, CL, HI, LS = ("Champions", "Loyal", "Potential loyalist", "New", "Promising",
                                              "Need attention", "About to sleep", "At risk",
                                              "Can't lose them", "Hibernating", "Lost")
GRID = {
    5: [NE, PL, PL, PL, PL, LO, LO, CH, CH],
    4: [PR, PL, PL, PL, PL, LO, LO, LO, LO],
    3: [AS, AS, AS, NA_, NA_, LO, LO, LO, LO],
    2: [LS, HI, HI, AR, AR, AR, AR, AR, AR],
    1: [LS, LS, LS, AR, AR, AR, AR, CL, CL],
}


def hand_table() -> pd.DataFrame:
    rows = [dict(customer_id=c, recency_days=rec, frequency=freq, monetary=mon) for c, rec, freq, mon, *_ in HAND]
    return pd.DataFrame(rows, index=range(100, 100 + len(rows)))  # an index that is not 0..n-1


def planted(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """1,000 buyers in groups that each fill whole quintiles of R, F and M, plus 100 non-buyers.

    recency quintiles (best first): Champions + New | Potential loyalist | Loyal | Hibernating |
    Can't lose them + Lost; frequency: New + Lost | Hibernating | Potential loyalist | Loyal |
    Champions + Can't lose them; monetary the same as frequency.
    """
    rng = np.random.default_rng(seed)
    groups = {  # size, recency days, frequency, monetary (ranges are disjoint between quintiles)
        "Champions": (100, (1, 5), (20, 40), (5000, 9000)),
        "New": (100, (1, 5), (1, 1), (10, 30)),
        "Potential loyalist": (200, (15, 30), (3, 3), (200, 400)),  # F/M (3 + 3) / 2 = 3
        "Loyal": (200, (40, 70), (6, 10), (1000, 2000)),  # R 3, F/M 4
        "Hibernating": (200, (150, 250), (2, 2), (40, 80)),  # R 2, F/M 2
        "Can't lose them": (100, (500, 700), (20, 40), (5000, 9000)),
        "Lost": (100, (400, 900), (1, 1), (10, 30)),
        "No purchase yet": (100, (1, 900), (0, 0), (0, 0)),  # recency = tenure, any value
    }
    frames, truth = [], []
    for name, (n, rec, freq, mon) in groups.items():
        frames.append(pd.DataFrame({
            "recency_days": rng.integers(rec[0], rec[1] + 1, n),
            "frequency": rng.integers(freq[0], freq[1] + 1, n),
            "monetary": np.round(rng.uniform(*mon, n), 2),
            "tenure_days": rng.integers(900, 2000, n)}))
        truth += [name] * n
    X = pd.concat(frames, ignore_index=True)
    X.insert(0, "customer_id", [f"c{i:04d}" for i in range(len(X))])
    order = rng.permutation(len(X))
    return X.iloc[order].reset_index(drop=True), np.array(truth)[order]


def test_hand_computed_scores_and_segments():
    X = hand_table()
    model = RFMSegmenter().fit(X)
    expected = pd.DataFrame([dict(customer_id=c, r=r, f=f, m=m, segment=s) for c, _, _, _, r, f, m, s, _ in HAND],
                            index=X.index).astype({"r": "Int64", "f": "Int64", "m": "Int64"})
    pd.testing.assert_frame_equal(model.scores_[["customer_id", "r", "f", "m", "segment"]], expected)
    assert model.labels_.tolist() == [i for *_, i in HAND]
    assert model.labels_.dtype == np.int64
    assert model.scores_.fm.tolist()[:4] == [5.0, 1.0, NA, 1.0]
    assert model.n_buyers_ == 10
    np.testing.assert_array_equal(model.fit_predict(X), model.labels_)
    np.testing.assert_array_equal(model.predict(X), model.labels_)


def test_non_buyers_do_not_move_buyers_scores():
    X = hand_table()
    with_them = RFMSegmenter().fit(X).scores_
    without = RFMSegmenter().fit(X[X.frequency > 0]).scores_
    pd.testing.assert_frame_equal(with_them.loc[without.index], without)


def test_segment_ids_are_fixed_whatever_segments_are_present():
    model = RFMSegmenter().fit(hand_table())
    assert model.segment_names_ == ["Champions", "Loyal", "Potential loyalist", "New", "Promising",
                                    "Need attention", "About to sleep", "At risk", "Can't lose them",
                                    "Hibernating", "Lost", "No purchase yet"]
    # A and J are the only buyers left: ceil(5 * 1.5 / 2) = 4 for A on every score, ceil(5 * 0.5 / 2) = 2
    # for J, so A is Loyal (R 4, F/M 4) and J Hibernating (R 2, F/M 2); they keep ids 1 and 9.
    two = RFMSegmenter().fit(hand_table().loc[[100, 111, 109]])  # A, J, L
    assert two.scores_.segment.tolist() == ["Loyal", "Hibernating", "No purchase yet"]
    assert two.labels_.tolist() == [1, 9, 11]
    assert two.segment_names_ == model.segment_names_


@pytest.mark.parametrize("values, n_bins, expected", [
    ([7, 7, 7, 7], 5, [3, 3, 3, 3]),  # everyone equal: the middle score
    ([7, 7, 7, 7], 4, [2, 2, 2, 2]),  # ceil(4 / 2)
    ([7], 5, [3]),  # one buyer
    ([1, 1, 1, 1, 1, 2, 3, 4, 5, 6], 5, [2, 2, 2, 2, 2, 3, 4, 4, 5, 5]),  # 50% tie: its middle is in bin 2
    ([3, 1, 2, 1, 1, 1, 3, 4, 3, 4], 5, [4, 1, 3, 1, 1, 1, 4, 5, 4, 5]),  # ties anywhere, unsorted
    (list(range(1, 11)), 5, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),  # no ties: exact quintiles
    (list(range(1, 11)), 2, [1] * 5 + [2] * 5),
])
def test_frequency_scores_keep_ties_together(values, n_bins, expected):
    X = pd.DataFrame({"customer_id": range(len(values)), "recency_days": 10, "frequency": values,
                      "monetary": 50.0})
    scores = RFMSegmenter(n_bins=n_bins).fit(X).scores_
    assert scores.f.tolist() == expected
    middle = -(-n_bins // 2)
    assert scores.r.tolist() == [middle] * len(values) and scores.m.tolist() == [middle] * len(values)


def test_recency_score_is_reversed_days():
    X = pd.DataFrame({"customer_id": list("abcde"), "recency_days": [1, 400, 30, 90, 7], "frequency": 1,
                      "monetary": 10.0})
    assert RFMSegmenter().fit(X).scores_.r.tolist() == [5, 1, 3, 2, 4]


def test_planted_groups_land_in_their_segments():
    X, truth = planted()
    model = RFMSegmenter().fit(X)
    for name in np.unique(truth):
        got = model.scores_.segment[truth == name]
        assert (got == name).all(), f"{name}: {got.value_counts().to_dict()}"
        assert (model.labels_[truth == name] == SEGMENT_NAMES.index(name)).all()
    assert model.n_buyers_ == 1000


def test_permuting_rows_changes_no_customers_scores():
    X, _ = planted(seed=1)
    base = RFMSegmenter().fit(X).scores_.set_index("customer_id")
    order = np.random.default_rng(7).permutation(len(X))
    shuffled = X.iloc[order]
    model = RFMSegmenter().fit(shuffled)
    pd.testing.assert_frame_equal(model.scores_.set_index("customer_id").loc[base.index], base)
    assert model.scores_.index.tolist() == shuffled.index.tolist()  # aligned with the input rows


def test_predict_places_new_customers_among_the_fitted_buyers():
    model = RFMSegmenter().fit(hand_table())
    new = pd.DataFrame({"customer_id": ["x", "y", "z"], "recency_days": [0, 1000, 30],
                        "frequency": [50, 1, 0], "monetary": [9000.0, 5.0, 0.0]})
    # x beats every buyer (r=f=m=5); y is below all on R and M and ties the four 1s on F:
    # below 0, equal 4 -> ceil(5 * 2 / 10) = 1.  z never bought.
    assert model.predict(new).tolist() == [0, 10, 11]


def test_missing_column_and_negative_values_are_clear_errors():
    X = hand_table()
    with pytest.raises(ValueError, match="no column 'monetary'"):
        RFMSegmenter().fit(X.drop(columns="monetary"))
    X.loc[103, "monetary"] = -5.0
    with pytest.raises(ValueError, match="'monetary' must be a number >= 0 .* customer 'C' has -5.0"):
        RFMSegmenter().fit(X)
    with pytest.raises(ValueError, match="n_bins must be an integer >= 2"):
        RFMSegmenter(n_bins=1).fit(hand_table())


def _inside(inner: int, outer: int) -> bool:
    _, (ir_lo, ir_hi), (if_lo, if_hi) = PUBLISHED_MAP[inner]
    _, (or_lo, or_hi), (of_lo, of_hi) = PUBLISHED_MAP[outer]
    return or_lo <= ir_lo and ir_hi <= or_hi and of_lo <= if_lo and if_hi <= of_hi


def test_map_is_total_and_overlaps_only_by_nesting():
    names = set()
    for r, f, m in itertools.product(range(1, 6), repeat=3):
        rows = matching_rows(r, f, m)
        assert rows, f"no segment for r={r} f={f} m={m}"
        chosen = segment_id(r, f, m)
        # the winner lies inside every other row that also contains the scores, so exactly one
        # name is the most specific and no choice between equals is ever made
        assert all(_inside(chosen, other) for other in rows), (r, f, m, rows)
        assert sum(all(_inside(c, o) for o in rows) for c in rows) == 1
        names.add(segment_for(r, f, m))
    assert names == set(SEGMENT_NAMES[:-1])  # all eleven names are reachable
    overlapping = {(PUBLISHED_MAP[a][0], PUBLISHED_MAP[b][0])
                   for r, f, m in itertools.product(range(1, 6), repeat=3)
                   for a, b in itertools.permutations(matching_rows(r, f, m), 2) if _inside(a, b)}
    assert overlapping == {("Champions", "Loyal"), ("Can't lose them", "At risk"), ("Hibernating", "Lost")}


def test_map_is_the_documented_grid():
    for r, f, m in itertools.product(range(1, 6), repeat=3):
        assert segment_for(r, f, m) == GRID[r][f + m - 2], (r, f, m)


def test_map_places_scores_on_the_same_scale_for_other_bin_counts():
    for r, f, m in itertools.product(range(1, 6), repeat=3):
        assert segment_for(2 * r, 2 * f, 2 * m, n_bins=10) == segment_for(r, f, m)
    assert segment_for(9, 10, 9, n_bins=10) == "Champions"  # R 4.5 of 5, F/M 4.75 of 5


def test_describe_rfm_profiles_each_non_empty_segment():
    X = hand_table()
    model = RFMSegmenter().fit(X)
    profiles = describe_rfm(X, model)
    # Potential loyalist (id 2) has no member in this table and gets no profile.
    assert [p.segment_id for p in profiles] == [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert [p.name for p in profiles] == [SEGMENT_NAMES[p.segment_id] for p in profiles]
    assert [p.size for p in profiles] == [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]
    total = 5000 + 20 + 20 + 100 + 3000 + 100 + 1500 + 400 + 800 + 20
    champions, no_purchase = profiles[0], profiles[-1]
    assert champions.share == pytest.approx(1 / 12)
    assert champions.revenue_share == pytest.approx(5000 / total)
    assert no_purchase.revenue_share == 0.0 and no_purchase.medians["frequency"] == 0.0
    assert sum(p.revenue_share for p in profiles) == pytest.approx(1.0)

    # z of A (the only Champion) = (A's value - mean) / population std of all 12 customers.
    def z(values, a):
        return (a - np.mean(values)) / np.std(values)
    rec, freq, mon = (X[c].to_numpy(float) for c in ("recency_days", "frequency", "monetary"))
    assert z(freq, 12) == pytest.approx(9 / np.sqrt(146 / 12))  # mean 3, squared deviations sum to 146
    expected = sorted([("monetary", z(mon, 5000)), ("frequency", z(freq, 12)), ("recency_days", z(rec, 1))],
                      key=lambda t: -abs(t[1]))
    assert [(d["feature"], d["z"]) for d in champions.distinguishing] == \
        [(f, round(v, 3)) for f, v in expected]
    assert champions.distinguishing[0] == {"feature": "monetary", "z": round(z(mon, 5000), 3),
                                           "median": 5000.0, "overall_median": 100.0}

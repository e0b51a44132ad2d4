"""Segmentation recovers planted groups, picks their number, and names them from the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from kenal.models import BehaviouralSegmenter, describe_segments
from kenal.models.describe import segment_name


def planted(n_per_group: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Four customer groups on skewed, heavy-tailed features (lognormal money, Poisson counts)."""
    rng = np.random.default_rng(seed)
    groups = {  # frequency rate, basket median, recency days, online share
        "loyal": (20, 400_000, 10, 0.5), "bargain": (8, 60_000, 20, 0.9),
        "lapsed": (3, 200_000, 400, 0.4), "store": (4, 250_000, 40, 0.05)}
    frames, truth = [], []
    for i, (freq, basket, recency, online) in enumerate(groups.values()):
        frames.append(pd.DataFrame({
            "frequency": rng.poisson(freq, n_per_group) + 1,
            "avg_basket": rng.lognormal(np.log(basket), 0.3, n_per_group),
            "recency_days": rng.lognormal(np.log(recency), 0.3, n_per_group),
            "online_share": np.clip(rng.normal(online, 0.05, n_per_group), 0, 1)}))
        truth += [i] * n_per_group
    X = pd.concat(frames, ignore_index=True)
    X["monetary"] = X.frequency * X.avg_basket
    X.loc[0, "avg_basket"] = 5e9  # one absurd outlier must not get a segment of its own
    return X, np.array(truth)


def test_recovers_planted_groups_and_their_number():
    X, truth = planted()
    model = BehaviouralSegmenter(k_max=8, random_state=0).fit(X)
    assert model.n_clusters_ == 4
    assert adjusted_rand_score(truth, model.labels_) > 0.97
    assert model.criteria_.k.tolist() == list(range(2, 9))
    assert model.choice_reason_.startswith("k=4 has the highest silhouette")
    assert model.criteria_.columns.tolist() == ["method", "k", "silhouette", "silhouette_se", "calinski_harabasz",
                                                "davies_bouldin", "stability", "inertia", "chosen"]
    assert model.criteria_.set_index("k").stability[4] > 0.95


def test_segment_ids_are_ordered_by_size_and_predict_agrees_with_fit():
    X, _ = planted()
    X = X.iloc[200:].reset_index(drop=True)  # the first group is now the smallest
    model = BehaviouralSegmenter(k_max=6, random_state=0).fit(X)
    sizes = np.bincount(model.labels_)
    assert list(sizes) == sorted(sizes, reverse=True)
    np.testing.assert_array_equal(model.predict(X), model.labels_)


def test_same_seed_same_segments():
    X, _ = planted()
    a = BehaviouralSegmenter(k_max=6, random_state=3).fit(X).labels_
    b = BehaviouralSegmenter(k_max=6, random_state=3).fit(X).labels_
    np.testing.assert_array_equal(a, b)


def test_too_few_customers_is_a_clear_error():
    X, _ = planted(n_per_group=4)
    with pytest.raises(ValueError, match="16 customers are too few to segment into 2 or more groups"):
        BehaviouralSegmenter().fit(X)


def test_names_come_from_what_distinguishes_each_segment():
    X, truth = planted()
    model = BehaviouralSegmenter(k_max=8, random_state=0).fit(X)
    profiles = describe_segments(X, model.labels_, model)
    by_truth = {}
    for p in profiles:
        members = truth[model.labels_ == p.segment_id]
        by_truth[int(np.bincount(members).argmax())] = p
    assert by_truth[2].name.startswith("Lapsed")
    assert "in-store" in by_truth[3].name
    assert "small-basket" in by_truth[1].name and "online" in by_truth[1].name
    assert "frequent" in by_truth[0].name.lower()
    assert sum(p.size for p in profiles) == len(X)
    assert sum(p.revenue_share for p in profiles) == pytest.approx(1.0)
    assert len({p.name for p in profiles}) == len(profiles)


def test_name_words_follow_the_sign_of_each_feature():
    z = pd.Series({"frequency": 1.2, "avg_basket": -0.9, "online_share": 0.8, "share_groceries": 1.5,
                   "recency_days": -0.1, "tenure_days": -0.2})
    assert segment_name(z, True, set()) == "Frequent small-basket online groceries shoppers"
    assert segment_name(z, True, {"Frequent small-basket online groceries shoppers"}) == \
        "Frequent small-basket online groceries shoppers (2)"
    assert segment_name(pd.Series({"frequency": 0.1}), False, set()) == "Typical non-buyers"

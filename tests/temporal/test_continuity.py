"""A clustering continued across snapshots: models rebuilt from their record, re-fits started from
the earlier centres, and smoothing of assignments, each on data whose answer is known."""

from __future__ import annotations

import json

import ibis
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from kenal.models import segmenter, segmenter_from_record
from kenal.segmentations.continuity import Continuation, as_ids, sticky_assignment
from kenal.temporal.retrain import RetrainDecision


def _customers(seed: int, n: int = 3000, shift: float = 0.0) -> pd.DataFrame:
    """Three groups apart on frequency and basket, with channel and region as categories."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    return pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "frequency": rng.poisson(np.array([1, 6, 20])[group] * (1 + shift)),
        "avg_basket": rng.lognormal(np.array([10, 12, 11])[group], 0.2),
        "recency_days": rng.integers(0, 200, n),
        "online_share": np.clip(np.array([0.1, 0.5, 0.9])[group] + rng.normal(0, 0.05, n), 0, 1),
        "main_platform": rng.choice(["android_app", "desktop_web"], n),
        "region": rng.choice(["DKI Jakarta", "Jawa Barat", "Bali"], n),
        "group": group,
    })


@pytest.mark.parametrize("method", ["kmeans", "gmm", "hdbscan", "kprototypes"])
def test_a_model_rebuilt_from_its_stored_record_assigns_every_customer_as_the_original(method):
    X = _customers(0)
    fitted = segmenter(method, k_max=5).fit(X)
    rebuilt = segmenter_from_record(json.loads(json.dumps(fitted.record())))  # as stored in segmentation_runs
    other = _customers(1)  # customers the fit never saw
    assert np.array_equal(rebuilt.predict(other), fitted.predict(other))
    assert (rebuilt.n_clusters_, list(rebuilt.feature_names_in_)) == (fitted.n_clusters_, list(fitted.feature_names_in_))


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_a_refit_keeps_the_number_of_segments_and_follows_the_groups(method):
    before = segmenter(method, k_max=5, features=["frequency", "avg_basket", "online_share"]).fit(_customers(0))
    assert before.n_clusters_ == 3
    later = _customers(1, shift=0.3)  # everyone buys 30% more often: the space moves, the groups stay
    refit = segmenter(method, k_max=5).refit(later, before)
    assert refit.n_clusters_ == 3 and list(refit.feature_names_in_) == list(before.feature_names_in_)
    assert adjusted_rand_score(later.group, refit.labels_) == 1.0
    assert refit.criteria_.k.tolist() == [3] and refit.criteria_.chosen.tolist() == [True]
    assert refit.choice_reason_ == "k=3 as before, re-fitted on this snapshot from the earlier fit's centres."


def test_model_numbers_become_stable_ids_and_outliers_stay_unassigned():
    assert as_ids(np.array([0, 1, -1, 2]), [4, 0, 7]).tolist() == [4, 0, -1, 7]


def _two_centres() -> Continuation:
    record = {"method": "kmeans", "features": ["x"], "mean": [0.0], "scale": [1.0], "lower": [None],
              "upper": [None], "weights": [1.0], "log_columns": [], "centers": [[0.0], [10.0]]}
    return Continuation(segmenter_from_record(record), ids=[5, 7], next_id=8, fitted_as_of=None,
                        decision=RetrainDecision(False, "kept"))


def test_smoothing_keeps_a_customer_in_place_unless_another_centre_is_clearly_nearer(store):
    customers = ibis.memtable(pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
                                            "x": [4.9, 4.9, 3.0, 6.0, 4.9]}))
    previous = ibis.memtable(pd.DataFrame({"customer_id": ["a", "b", "c", "d", "z"],
                                           "segment_id": [7, 5, 7, 5, 5]}))  # stable ids
    got = store.con.execute(sticky_assignment(_two_centres(), customers, previous, hysteresis=0.1)
                            .order_by("customer_id"))
    # a: 5.1 from its centre 10 against 4.9 from 0, within 10%: stays (model segment 1 = id 7).
    # b: nearest is its own.  c: 7 against 3, moves to 0.  d: 6 against 4, moves to 1.
    # e: no earlier segment (z left): nearest.
    assert got.set_index("customer_id").segment_id.to_dict() == {"a": 1, "b": 0, "c": 0, "d": 1, "e": 0}
    plain = store.con.execute(sticky_assignment(_two_centres(), customers, previous, hysteresis=0.0)
                              .order_by("customer_id"))
    assert plain.segment_id.tolist() == [0, 0, 0, 1, 0]  # without smoothing: the nearest centre


@pytest.mark.parametrize("option, value, expected", [
    ("hysteresis", 1.5, "hysteresis = 1.5 is not a share in [0, 1)"),
    ("refit_days", 0, "refit_days = 0 is not a whole number of days, at least 1"),
    ("max_psi", -0.1, "max_psi = -0.1 is not a population stability index above 0 (0.25: a major shift)"),
    ("stable_ids", "yes", "stable_ids = 'yes' is not true or false"),
])
def test_a_bad_continuity_option_says_what_was_expected(option, value, expected):
    from kenal.errors import ConfigError
    from kenal.segmentations.spec import spec

    with pytest.raises(ConfigError) as error:
        spec("behavioural", "clustering", **{option: value})
    assert str(error.value) == f"kenal.toml: [segmentations.behavioural]: {expected}"

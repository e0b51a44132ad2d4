"""LabelLearner: exact on a table it must get right, and on the sample it recovers the planted
segments and churners from a few labelled customers, with cross-validated metrics that match
what it then does on the customers nobody labelled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from kenal.config import Settings
from kenal.models import LabelLearner
from kenal.outputs import FEATURES
from kenal.pipeline import run
from kenal.sample import generate_sample, write_sample
from kenal.segmentations.spec import spec
from kenal.store import Store


def separable(n_per_label: int = 20, n_unlabelled: int = 30, seed: int = 0):
    """Label a: x in 1..50; b: x in 101..150; c: x missing.  ``noise`` carries nothing; birth_year
    (a protected attribute) alone would give the label away."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(["a", "b", "c"], n_per_label + n_unlabelled // 3)
    x = np.where(truth == "a", rng.integers(1, 51, len(truth)), rng.integers(101, 151, len(truth))).astype(float)
    x[truth == "c"] = np.nan
    features = pd.DataFrame({"customer_id": [f"C{i:03d}" for i in range(len(truth))], "region": "Jawa Barat",
                             "x": x, "noise": rng.normal(size=len(truth)),
                             "birth_year": np.select([truth == "a", truth == "b"], [1960, 1980], 2000)})
    labelled = np.zeros(len(truth), bool)
    for label in "abc":
        labelled[np.flatnonzero(truth == label)[:n_per_label]] = True
    return features, truth, labelled


def test_a_separable_table_is_learnt_exactly_without_the_protected_attribute():
    features, truth, labelled = separable()
    model = LabelLearner().fit(features, np.where(labelled, truth, None))
    assert model.feature_names_in_ == ["x", "noise"]  # no id, no text, no birth_year
    assert model.metrics_.to_dict("list") == {"label": ["a", "b", "c"], "precision": [1.0] * 3, "recall": [1.0] * 3,
                                              "f1": [1.0] * 3, "support": [20, 20, 20]}
    assert model.macro_f1_ == 1.0
    assert model.segment_names_ == ["a", "b", "c"]
    assert (np.array(model.segment_names_)[model.labels_] == truth).all()  # missing x is its own label: c
    assert set(model.best_params_) == {"min_samples_leaf", "l2_regularization"}
    assert model.best_params_["min_samples_leaf"] == 5  # 20 a leaf cannot separate 16 customers a label
    assert (model.predict(features) == truth).all()


def test_a_labelled_customer_keeps_the_given_label():
    features, truth, labelled = separable()
    features.loc[:5, ["x", "noise"]] = [10.0, 0.0]  # six a's alike: no tree can tell them apart
    y = np.where(labelled, truth, None)
    y[0] = "b"  # one of them labelled b: the analyst's word stands for this customer, not for the others
    model = LabelLearner().fit(features, y)
    assert model.predict(features.iloc[[0]]).tolist() == ["a"]
    assert [model.segment_names_[k] for k in model.labels_[:6]] == ["b", "a", "a", "a", "a", "a"]
    assert model.metrics_.set_index("label").support.to_dict() == {"a": 19, "b": 21, "c": 20}


def test_customers_below_min_confidence_are_uncertain():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 100, 400)
    truth = np.where(x + rng.normal(0, 15, 400) < 50, "low", "high")  # overlapping near 50
    features = pd.DataFrame({"customer_id": [f"C{i}" for i in range(400)], "x": x})
    labelled = np.arange(400) < 200
    model = LabelLearner(min_confidence=0.8).fit(features, np.where(labelled, truth, None))
    assert model.segment_names_ == ["high", "low", "Uncertain"]
    unsure = model.predict_proba(features).max(axis=1) < 0.8
    assert ((model.labels_ == 2) == (unsure & ~labelled)).all()
    assert 0 < (model.labels_ == 2).sum() < 200  # some, not all: the check above has something to check
    again = LabelLearner(min_confidence=0.8).fit(features, np.where(labelled, truth, None))
    assert (again.labels_ == model.labels_).all()  # the same inputs and seed, the same segments


def test_from_1000_labelled_customers_rounds_stop_early_even_with_a_rare_label():
    rng = np.random.default_rng(2)
    truth = np.array(["common"] * 1_190 + ["rare"] * 10)
    x = np.where(truth == "rare", rng.normal(3, 1, 1_200), rng.normal(0, 1, 1_200))  # overlapping: noisy
    features = pd.DataFrame({"customer_id": [f"C{i}" for i in range(1_200)], "x": x, "noise": rng.normal(size=1_200)})
    model = LabelLearner().fit(features, truth)
    assert model.estimator_.early_stopping is True and model.n_iter_ < 100, model.n_iter_
    assert model.metrics_.support.tolist() == [1_190, 10]


def test_too_few_examples_of_a_label_is_a_value_error():
    features, truth, labelled = separable(n_per_label=4)
    with pytest.raises(ValueError, match="need at least 2 labels with 5 customers each"):
        LabelLearner().fit(features, np.where(labelled, truth, None))


@pytest.fixture(scope="module")
def sample_features(tmp_path_factory):
    """The pipeline's features of a 3,000-customer sample, and its planted segments and churners."""
    root = tmp_path_factory.mktemp("learnt")
    data = generate_sample(n_customers=3_000, seed=3)
    write_sample(data, root / "input", root / "truth")
    settings = Settings(seed=3, segmentations=(spec("lifecycle", "lifecycle"),))
    result = run(root / "ws", settings, input_dir=root / "input")
    with Store.open(root / "ws", settings) as store:
        features = store.table(FEATURES).filter(lambda t: t.snapshot_id == result.snapshot.snapshot_id)
        features = features.drop("snapshot_id").order_by("customer_id").execute()
    segment = data.truth["segments"].set_index("customer_id").segment.loc[features.customer_id].to_numpy()
    churned = data.truth["churn"].set_index("customer_id").churned.loc[features.customer_id].to_numpy()
    return features, segment, np.where(churned, "lost", "loyal")


def learn_and_check(features: pd.DataFrame, truth: np.ndarray, labelled: np.ndarray):
    """Per-label F1 (cross-validated and on the unlabelled), cross-validated and unlabelled macro-F1."""
    model = LabelLearner(random_state=0).fit(features, np.where(labelled, truth, None))
    assigned = np.array(model.segment_names_)[model.labels_]
    assert (assigned[labelled] == truth[labelled]).all()
    holdout = f1_score(truth[~labelled], assigned[~labelled], labels=model.classes_, average=None)
    per_label = model.metrics_.set_index("label")[["f1"]].assign(holdout=holdout)
    return per_label, model.macro_f1_, float(holdout.mean())


def test_planted_segments_are_learnt_from_40_labelled_customers_each(sample_features):
    features, segment, _ = sample_features
    rng = np.random.default_rng(0)
    labelled = np.zeros(len(segment), bool)
    for s in np.unique(segment):
        labelled[rng.choice(np.flatnonzero(segment == s), 40, replace=False)] = True
    per_label, cv_macro, holdout_macro = learn_and_check(features, segment, labelled)
    # measured (seed 3): holdout F1 0.975-0.999 per segment, macro 0.985; cross-validated macro 0.969.
    # With the attitudinal features (NPS, CSAT, sentiment: kenal.features.voice) 0.948-0.997, macro 0.979,
    # cross-validated 0.975: a customer or two of the smallest segment move on 40 labels.
    assert per_label.holdout.min() >= 0.94, per_label
    assert holdout_macro >= 0.97
    assert abs(cv_macro - holdout_macro) <= 0.04, (cv_macro, holdout_macro)


def test_planted_churners_are_learnt_from_a_quarter_of_customers_labelled(sample_features):
    features, _, churn = sample_features
    labelled = np.random.default_rng(0).random(len(churn)) < 0.25
    per_label, cv_macro, holdout_macro = learn_and_check(features, churn, labelled)
    # measured (seed 3): holdout F1 lost 0.717, loyal 0.854, macro 0.786; cross-validated macro 0.795.
    # Churn is noisier than a segment: it is whether a customer buys in the next 90 days.
    assert per_label.loc["lost", "holdout"] >= 0.68 and per_label.loc["loyal", "holdout"] >= 0.82, per_label
    assert holdout_macro >= 0.75
    assert abs(cv_macro - holdout_macro) <= 0.04, (cv_macro, holdout_macro)
    assert (per_label.f1 - per_label.holdout).abs().max() <= 0.05, per_label

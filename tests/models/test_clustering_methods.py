"""The clustering methods beside k-means: a Gaussian mixture recovers the planted segments, HDBSCAN
leaves the planted resellers out, k-prototypes uses categories; every method's engine expression
assigns exactly as its predict()."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from kenal.config import Settings
from kenal.errors import ConfigError
from kenal.features.build import build_features
from kenal.ingest import ingest
from kenal.models import METHODS, BehaviouralSegmenter, KPrototypesSegmenter, describe_segments, segmenter
from kenal.models.describe import OUTLIERS
from kenal.outputs import default_as_of
from kenal.sample import generate_sample, write_sample
from kenal.segmentations.spec import CLUSTERING_METHODS, spec
from kenal.store import Store

N_CUSTOMERS = 10_000  # 30 planted resellers


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample's feature table as the pipeline builds it, and the planted truth of its customers."""
    root = tmp_path_factory.mktemp("clustering")
    data = generate_sample(N_CUSTOMERS, seed=4)
    write_sample(data, root / "input", root / "truth")
    with Store.open(root / "ws", Settings()) as store:
        ingest(store, root / "input")
        features = build_features(store, default_as_of(store)).execute()
    features = features.sort_values("customer_id").reset_index(drop=True)
    truth = data.truth["segments"].set_index("customer_id").loc[features.customer_id]
    return features, truth


@pytest.fixture(scope="module")
def fitted(sample):
    """One fit per method on the sample, made when first asked for."""
    features, _ = sample
    done = {}

    def fit(method: str):
        if method not in done:
            done[method] = segmenter(method, random_state=0).fit(features)
        return done[method]

    return fit


def test_every_method_is_configurable_and_a_typo_names_them_all():
    assert CLUSTERING_METHODS == tuple(METHODS)
    assert spec("b", "clustering", method="gmm")["method"] == "gmm"
    with pytest.raises(ConfigError) as exc:
        spec("b", "clustering", method="dbscan")
    assert str(exc.value) == ("kenal.toml: [segmentations.b]: method = 'dbscan' is not one of 'kmeans', 'gmm', "
                              "'hdbscan' or 'kprototypes'")
    with pytest.raises(ValueError, match="expected one of kmeans, gmm, hdbscan, kprototypes"):
        segmenter("dbscan")


def test_gaussian_mixture_recovers_the_planted_segments(sample, fitted):
    features, truth = sample
    model = fitted("gmm")
    ari = adjusted_rand_score(truth.segment, model.labels_)
    assert ari >= 0.85, f"ARI {ari:.3f}"
    assert model.criteria_.columns.tolist() == [
        "method", "k", "silhouette", "silhouette_se", "calinski_harabasz", "davies_bouldin", "stability", "bic",
        "uncertain_share", "chosen"]
    assert "BIC" in model.choice_reason_ and "uncertain" in model.choice_reason_
    probability = model.predict_proba(features)
    np.testing.assert_allclose(probability.sum(axis=1), 1.0)
    np.testing.assert_array_equal(probability.argmax(axis=1), model.labels_)
    profiles = describe_segments(features, model.labels_, model)
    uncertain = sum(p.uncertain_share * p.size for p in profiles) / len(features)
    assert uncertain == pytest.approx((probability.max(axis=1) < 0.6).mean())


def test_hdbscan_leaves_the_planted_resellers_unassigned_and_few_others(sample, fitted):
    features, truth = sample
    model = fitted("hdbscan")
    outlier = model.labels_ == -1
    planted = truth.outlier.to_numpy()
    assert planted.sum() == 30
    found, false_alarms = outlier[planted].mean(), outlier[~planted].mean()
    assert found >= 0.9 and false_alarms <= 0.01, (found, false_alarms)
    assert model.n_outliers_ == outlier.sum()
    assert "Outliers (segment -1)" in model.choice_reason_
    assert model.criteria_.k.between(2, 12).all() and model.criteria_.chosen.sum() == 1
    profiles = describe_segments(features, model.labels_, model)
    assert [p.segment_id for p in profiles] == [*range(model.n_clusters_), -1]
    assert profiles[-1].name == OUTLIERS and profiles[-1].size == outlier.sum()
    assert sum(p.size for p in profiles) == len(features)


def mixed(n: int = 150, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three groups apart by platform and region, and only a little by their numbers: the second
    buys more often, the third bigger baskets, each by about 1.5 standard deviations."""
    rng = np.random.default_rng(seed)
    groups = [(5, 100_000, "ios_app", "Bali"), (9, 100_000, "desktop_web", "DKI Jakarta"),
              (5, 160_000, "android_app", "Jawa Barat")]
    frames = [pd.DataFrame({"frequency": rng.poisson(freq, n) + 1,
                            "avg_basket": rng.lognormal(np.log(basket), 0.3, n),
                            "online_share": np.clip(rng.normal(0.8, 0.05, n), 0, 1),
                            "main_platform": platform, "region": region})
              for freq, basket, platform, region in groups]
    return pd.concat(frames, ignore_index=True), np.repeat(np.arange(len(groups)), n)


def test_kprototypes_recovers_groups_that_categories_tell_apart():
    """With Huang's default gamma (half a numeric standard deviation per category unlike the
    prototype's) the numbers outweigh two categories here; weighted as two standard deviations
    (gamma = 4), the categories separate the groups exactly."""
    X, truth = mixed()
    model = KPrototypesSegmenter(k_max=6, gamma=4.0, random_state=0).fit(X)
    assert model.n_clusters_ == 3
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    assert sorted(m["region"] for m in model.modes_) == ["Bali", "DKI Jakarta", "Jawa Barat"]
    numeric_only = BehaviouralSegmenter(k_max=6, random_state=0).fit(X)
    assert adjusted_rand_score(truth, numeric_only.labels_) < 0.5
    default = KPrototypesSegmenter(k_max=6, random_state=0).fit(X)
    assert default.gamma_ == pytest.approx(0.5 * default.space_.transform(X).std(axis=0).mean())


@pytest.mark.parametrize("method", list(METHODS))
def test_the_engine_assigns_exactly_as_predict(sample, fitted, method):
    features, _ = sample
    model = fitted(method)
    np.testing.assert_array_equal(model.predict(features), model.labels_)
    t = ibis.duckdb.connect().create_table("features", features)
    got = t.select("customer_id", segment_id=model.assign_expression(t)).order_by("customer_id").execute()
    assert got.customer_id.tolist() == features.customer_id.tolist()
    np.testing.assert_array_equal(got.segment_id.to_numpy(), model.labels_)


def test_a_category_not_seen_in_fit_is_equally_far_from_every_prototype():
    X, _ = mixed(n=60)
    model = KPrototypesSegmenter(k_max=4, gamma=4.0, random_state=0).fit(X)
    new = X.assign(region="Papua", main_platform=pd.array([None] * len(X), dtype="string"))
    t = ibis.duckdb.connect().create_table("new", new)
    got = t.select(s=model.assign_expression(t)).execute().s.to_numpy()
    np.testing.assert_array_equal(got, model.predict(new))

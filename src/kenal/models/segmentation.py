"""Behavioural segmentation: k-means on transformed features with an automatic choice of k.

Customer data is skewed and outlier-heavy (a few customers buy a hundred times more than the
median), so features are log-transformed where heavy-tailed, winsorised at the 1st / 99th
percentile learnt in ``fit`` and standardised.  Category shares form one block whose weight is
that of a single feature, so a catalogue with many categories does not drown out the rest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import (calinski_harabasz_score, davies_bouldin_score, pairwise_distances_argmin,
                             silhouette_score)
from threadpoolctl import threadpool_limits

from kenal.schema import protected_columns

# Features that describe behaviour; a segmentation is about what customers do.
BEHAVIOUR = ("frequency", "avg_basket", "recency_days", "tenure_days", "online_share", "return_rate",
             "weekend_share", "sessions", "product_views", "cart_abandonment", "promo_visits", "pricing_visits")
SHARE_PREFIX = "share_"
BOUNDED = ("online_share", "return_rate", "weekend_share", "cart_abandonment")  # already in [0, 1]


def default_features(columns: list[str]) -> list[str]:
    chosen = [c for c in BEHAVIOUR if c in columns] + [c for c in columns if c.startswith(SHARE_PREFIX)]
    return [c for c in chosen if c not in protected_columns()]


class BehaviouralSegmenter(ClusterMixin, BaseEstimator):
    """K-means segmentation that chooses its number of segments by silhouette.

    Parameters
    ----------
    k_min, k_max : range of segment counts compared.
    features : columns to use; ``None`` takes the behavioural columns present.
    sample_size : customers used to score each k (silhouette is quadratic in the sample).
    n_init, random_state : passed to :class:`~sklearn.cluster.KMeans`.

    Attributes
    ----------
    n_clusters_ : the chosen number of segments.
    criteria_ : DataFrame, one row per k compared, with silhouette, Calinski-Harabasz,
        Davies-Bouldin and inertia.
    choice_reason_ : sentence saying why ``n_clusters_`` was chosen.
    cluster_centers_ : centroids in the transformed space (standard units of each feature).
    labels_ : segment of each training row.
    """

    def __init__(self, k_min: int = 2, k_max: int = 12, features: list[str] | None = None,
                 sample_size: int = 10_000, n_init: int = 4, random_state: int = 0):
        self.k_min, self.k_max, self.features = k_min, k_max, features
        self.sample_size, self.n_init, self.random_state = sample_size, n_init, random_state

    # -- transformation ---------------------------------------------------------------------
    def _fit_transform_params(self, X: pd.DataFrame) -> None:
        cols = self.feature_names_in_
        values = X[cols].astype(float)
        self.log_columns_ = [c for c in cols if c not in BOUNDED and not c.startswith(SHARE_PREFIX)
                             and values[c].min() >= 0]
        logged = self._log(values)
        self.lower_, self.upper_ = logged.quantile(0.01), logged.quantile(0.99)
        clipped = logged.clip(self.lower_, self.upper_, axis=1)
        self.mean_, self.scale_ = clipped.mean(), clipped.std(ddof=0).replace(0.0, 1.0)
        shares = [c for c in cols if c.startswith(SHARE_PREFIX)]
        self.weights_ = pd.Series(1.0, index=cols)
        if shares:
            self.weights_[shares] = 1.0 / np.sqrt(len(shares))

    def _log(self, values: pd.DataFrame) -> pd.DataFrame:
        out = values.copy()
        out[self.log_columns_] = np.log1p(out[self.log_columns_].clip(lower=0))
        return out

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Features in the space the segments live in (weighted standard units)."""
        values = X[self.feature_names_in_].astype(float).fillna(self.mean_)  # no NaN survives scaling
        z = (self._log(values).clip(self.lower_, self.upper_, axis=1) - self.mean_) / self.scale_
        return (z * self.weights_).to_numpy()

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y=None) -> "BehaviouralSegmenter":
        if self.k_min < 2 or self.k_max < self.k_min:
            raise ValueError(f"need 2 <= k_min <= k_max, got k_min={self.k_min}, k_max={self.k_max}")
        self.feature_names_in_ = np.asarray(self.features or default_features(list(X.columns)), dtype=object)
        if len(X) < self.k_min * 10:
            raise ValueError(f"{len(X)} customers are too few to segment into {self.k_min} or more "
                             "groups (need at least 10 per segment)")
        self._fit_transform_params(X)
        Z = self.transform(X)
        rng = np.random.default_rng(self.random_state)
        sample = rng.choice(len(Z), size=min(self.sample_size, len(Z)), replace=False)
        rows, models = [], {}
        with threadpool_limits(1):  # on 2 cores, BLAS threads made KMeans several times slower
            for k in range(self.k_min, min(self.k_max, len(Z) // 10) + 1):
                km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state).fit(Z)
                labels = km.labels_[sample]
                rows.append({"k": k, "silhouette": silhouette_score(Z[sample], labels),
                             "calinski_harabasz": calinski_harabasz_score(Z[sample], labels),
                             "davies_bouldin": davies_bouldin_score(Z[sample], labels),
                             "inertia": km.inertia_})
                models[k] = km
        self.criteria_ = pd.DataFrame(rows)
        best = self.criteria_.loc[self.criteria_.silhouette.idxmax()]
        self.n_clusters_ = int(best.k)
        runner_up = self.criteria_.drop(best.name).sort_values("silhouette").iloc[-1] if len(rows) > 1 else best
        self.choice_reason_ = (
            f"k={self.n_clusters_} has the highest silhouette ({best.silhouette:.3f}) of k="
            f"{self.k_min}..{self.criteria_.k.max()}; next best k={int(runner_up.k)} ({runner_up.silhouette:.3f}). "
            f"Its Calinski-Harabasz index is {best.calinski_harabasz:,.0f} and Davies-Bouldin {best.davies_bouldin:.3f}.")
        model = models[self.n_clusters_]
        # Segment 0 is the largest: ids do not depend on k-means' arbitrary label order.
        order = np.argsort(-np.bincount(model.labels_, minlength=self.n_clusters_), kind="stable")
        self.cluster_centers_ = model.cluster_centers_[order]
        self.labels_ = np.argsort(order)[model.labels_]
        self.inertia_ = model.inertia_
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return pairwise_distances_argmin(self.transform(X), self.cluster_centers_)

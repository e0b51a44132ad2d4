"""Behavioural segmentation: k-means on transformed features with an automatic choice of k.

Customer data is skewed and outlier-heavy (a few customers buy a hundred times more than the
median), so features are log-transformed where heavy-tailed, winsorised at the 1st / 99th
percentile learnt in ``fit`` and standardised.  Category shares form one block whose weight is
that of at most three features, so a catalogue with many categories does not drown out the rest.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import (adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score, pairwise_distances_argmin,
                             silhouette_score)
from threadpoolctl import threadpool_limits

from kenal.schema import protected_columns

# One feature per behavioural dimension: how often, how much, how recently, how long, where,
# how they browse, whether promotions draw them, whether they send things back.  Features that
# restate another (sessions beside product views) or are noisy ratios of few events would add
# noise dimensions that blur real segments.
BEHAVIOUR = ("frequency", "avg_basket", "recency_days", "tenure_days", "online_share", "return_rate",
             "product_views", "promo_visits")
SHARE_PREFIX = "share_"
N_CATEGORY_FEATURES = 3  # the categories with the most spend stand for the category mix
MIN_STABILITY = 0.8  # adjusted Rand index between a fit and refits on resamples
BOUNDED = ("online_share", "return_rate", "weekend_share", "cart_abandonment")  # already in [0, 1]


def default_features(features: pd.DataFrame) -> list[str]:
    """The behavioural columns present, plus the spend shares of the top categories."""
    chosen = [c for c in BEHAVIOUR if c in features.columns]
    shares = [c for c in features.columns if c.startswith(SHARE_PREFIX)]
    if shares and "monetary" in features.columns:
        spend = features[shares].mul(features["monetary"], axis=0).sum()
        shares = list(spend.sort_values(ascending=False, kind="stable").index[:N_CATEGORY_FEATURES])
    chosen += shares[:N_CATEGORY_FEATURES]
    return [c for c in chosen if c not in protected_columns()]


class BehaviouralSegmenter(ClusterMixin, BaseEstimator):
    """K-means segmentation that chooses its number of segments by silhouette and stability.

    Parameters
    ----------
    k_min, k_max : range of segment counts compared.
    features : columns to use; ``None`` takes the behavioural columns present.
    sample_size : customers used to score each k (silhouette is quadratic in the sample).
    n_subsamples : silhouette is averaged over this many subsamples, which gives its standard error.
    n_bootstrap : refits on bootstrap resamples that measure each k's stability.
    n_init, random_state : passed to :class:`~sklearn.cluster.KMeans`.

    Attributes
    ----------
    n_clusters_ : the chosen number of segments.
    criteria_ : DataFrame, one row per k compared, with silhouette (and its standard error),
        Calinski-Harabasz, Davies-Bouldin, bootstrap stability and inertia.
    choice_reason_ : sentence saying why ``n_clusters_`` was chosen.
    cluster_centers_ : centroids in the transformed space (standard units of each feature).
    labels_ : segment of each training row.
    """

    def __init__(self, k_min: int = 2, k_max: int = 12, features: list[str] | None = None,
                 sample_size: int = 10_000, n_subsamples: int = 4, n_bootstrap: int = 3, n_init: int = 4,
                 random_state: int = 0):
        self.k_min, self.k_max, self.features = k_min, k_max, features
        self.sample_size, self.n_subsamples, self.n_bootstrap = sample_size, n_subsamples, n_bootstrap
        self.n_init, self.random_state = n_init, random_state

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
        # Category shares weigh together as much as N_CATEGORY_FEATURES features, however many
        # categories an analyst passes in.
        shares = [c for c in cols if c.startswith(SHARE_PREFIX)]
        self.weights_ = pd.Series(1.0, index=cols)
        if shares:
            self.weights_[shares] = np.sqrt(min(len(shares), N_CATEGORY_FEATURES) / len(shares))

    def _log(self, values: pd.DataFrame) -> pd.DataFrame:
        out = values.copy()
        out[self.log_columns_] = np.log1p(out[self.log_columns_].clip(lower=0))
        return out

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Features in the space the segments live in (weighted standard units); a missing value is
        the average (0)."""
        values = X[self.feature_names_in_].astype(float)
        z = (self._log(values).clip(self.lower_, self.upper_, axis=1) - self.mean_) / self.scale_
        return (z * self.weights_).fillna(0.0).to_numpy()

    def assign_expression(self, t: ir.Table) -> ir.IntegerValue:
        """:meth:`predict` as an Ibis expression over a feature table, so the engine that holds the
        customers assigns them: nearest centre, the lowest id on a tie, as ``pairwise_distances_argmin``."""
        z = []
        for c in self.feature_names_in_:
            v = t[c].cast("float64")
            if c in self.log_columns_:
                v = (ibis.greatest(v, 0.0) + 1.0).ln()
            v = v.clip(float(self.lower_[c]), float(self.upper_[c]))
            z.append(((v - float(self.mean_[c])) / float(self.scale_[c]) * float(self.weights_[c])).fill_null(0.0))
        distances = [sum(((zj - float(cj)) ** 2 for zj, cj in zip(z, centre)), ibis.literal(0.0))
                     for centre in self.cluster_centers_]
        if len(distances) == 1:
            return ibis.literal(0, "int64")
        nearest = ibis.least(*distances)
        return ibis.cases(*[(d == nearest, k) for k, d in enumerate(distances)], else_=0).cast("int64")

    # -- fitting ----------------------------------------------------------------------------
    def _silhouette(self, Z: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
        """Mean silhouette over several subsamples, and its standard error."""
        size = min(self.sample_size // self.n_subsamples, len(Z))
        values = [silhouette_score(Z[idx], labels[idx]) for idx in
                  (rng.choice(len(Z), size=size, replace=False) for _ in range(self.n_subsamples))]
        return float(np.mean(values)), float(np.std(values, ddof=1) / np.sqrt(len(values)))

    def _stability(self, Z: np.ndarray, labels: np.ndarray, k: int, rng: np.random.Generator) -> float:
        """Mean ARI between the fit and refits on bootstrap resamples: real segments come back."""
        idx = rng.choice(len(Z), size=min(self.sample_size, len(Z)), replace=False)
        scores = []
        for b in range(self.n_bootstrap):
            boot = rng.choice(idx, size=len(idx), replace=True)
            refit = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state + b + 1).fit(Z[boot])
            scores.append(adjusted_rand_score(labels[idx], refit.predict(Z[idx])))
        return float(np.mean(scores))

    def fit(self, X: pd.DataFrame, y=None) -> "BehaviouralSegmenter":
        if self.k_min < 2 or self.k_max < self.k_min:
            raise ValueError(f"need 2 <= k_min <= k_max, got k_min={self.k_min}, k_max={self.k_max}")
        self.feature_names_in_ = np.asarray(self.features or default_features(X), dtype=object)
        if len(X) < self.k_min * 10:
            raise ValueError(f"{len(X)} customers are too few to segment into {self.k_min} or more "
                             "groups (need at least 10 per segment)")
        self._fit_transform_params(X)
        Z = self.transform(X)
        rng = np.random.default_rng(self.random_state)
        rows, models = [], {}
        with threadpool_limits(1):  # on 2 cores, BLAS threads made KMeans several times slower
            for k in range(self.k_min, min(self.k_max, len(Z) // 10) + 1):
                km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state).fit(Z)
                sil, sil_se = self._silhouette(Z, km.labels_, rng)
                sample = rng.choice(len(Z), size=min(self.sample_size, len(Z)), replace=False)
                rows.append({"k": k, "silhouette": sil, "silhouette_se": sil_se,
                             "calinski_harabasz": calinski_harabasz_score(Z[sample], km.labels_[sample]),
                             "davies_bouldin": davies_bouldin_score(Z[sample], km.labels_[sample]),
                             "stability": self._stability(Z, km.labels_, k, rng), "inertia": km.inertia_})
                models[k] = km
        self.criteria_ = pd.DataFrame(rows)
        self.n_clusters_, self.choice_reason_ = self._choose(self.criteria_)
        model = models[self.n_clusters_]
        # Segment 0 is the largest: ids do not depend on k-means' arbitrary label order.
        order = np.argsort(-np.bincount(model.labels_, minlength=self.n_clusters_), kind="stable")
        self.cluster_centers_ = model.cluster_centers_[order]
        self.labels_ = np.argsort(order)[model.labels_]
        self.inertia_ = model.inertia_
        return self

    @staticmethod
    def _choose(criteria: pd.DataFrame) -> tuple[int, str]:
        """The highest silhouette among the k's whose segments come back when refitted on
        resamples (stability >= MIN_STABILITY); unstable segmentations are not offered."""
        stable = criteria[criteria.stability >= MIN_STABILITY]
        pool = stable if len(stable) else criteria
        chosen = pool.loc[pool.silhouette.idxmax()]
        k = int(chosen.k)
        rest = pool[pool.k != k]
        runner = rest.loc[rest.silhouette.idxmax()] if len(rest) else None
        span = f"k={int(criteria.k.min())}..{int(criteria.k.max())}"
        reason = f"k={k} has the highest silhouette ({chosen.silhouette:.3f} ± {chosen.silhouette_se:.3f}) of {span}"
        if runner is not None:
            reason += f"; next best k={int(runner.k)} ({runner.silhouette:.3f} ± {runner.silhouette_se:.3f})"
        reason += f". Refits on resamples reproduce its segments with an adjusted Rand index of {chosen.stability:.2f}"
        unstable = criteria[criteria.stability < MIN_STABILITY]
        if len(stable) == 0:
            reason += f"; no k reached the stability of {MIN_STABILITY}, so treat these segments with caution."
        elif len(unstable):
            verb = "was" if len(unstable) == 1 else "were"
            reason += (f"; k={', '.join(str(int(k)) for k in unstable.k)} {verb} left out as unstable "
                       f"(below {MIN_STABILITY}).")
        else:
            reason += "."
        return k, reason

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return pairwise_distances_argmin(self.transform(X), self.cluster_centers_)

"""Behavioural segmentation: clustering on transformed features with an automatic choice of k.

Customer data is skewed and outlier-heavy (a few customers buy a hundred times more than the
median), so features are log-transformed where heavy-tailed, winsorised at the 1st / 99th
percentile learnt in ``fit`` and standardised.  Category shares form one block whose weight is
that of at most three features, so a catalogue with many categories does not drown out the rest.

:class:`Segmenter` holds what every method shares: that feature space (:class:`FeatureSpace`),
the comparison of candidate segment counts (silhouette, Calinski-Harabasz, Davies-Bouldin and
bootstrap stability, plus the method's own criterion), the choice and its reason, and assignment
by the engine.  :class:`BehaviouralSegmenter` is k-means, the default; the Gaussian mixture,
HDBSCAN and k-prototypes are in :mod:`kenal.models.mixture`, :mod:`~kenal.models.density` and
:mod:`~kenal.models.kprototypes`.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
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
CLIP = 0.01  # winsorising quantile: one huge basket must not make a segment of its own
SELECT_SIZE = 50_000  # customers the candidates are compared on; the chosen one is refitted on all


# The same dimensions over recent windows (kenal.features: 30 / 90 / 365 days) and the trend between
# them, in place of lifetime totals: a customer whose habits change moves within weeks, where the
# lifetime frequency of a long-standing customer hardly moves at all.
RECENT = ("orders_30d", "orders_90d", "revenue_90d", "order_trend", "avg_basket", "recency_days", "online_share",
          "return_rate", "product_views", "promo_visits")
PRESETS = {"lifetime": BEHAVIOUR, "recent": RECENT}


def default_features(features: pd.DataFrame, preset: str = "lifetime") -> list[str]:
    """The behavioural columns of ``preset`` present, plus the spend shares of the top categories."""
    chosen = [c for c in PRESETS[preset] if c in features.columns]
    shares = [c for c in features.columns if c.startswith(SHARE_PREFIX)]
    if shares and "monetary" in features.columns:
        spend = features[shares].mul(features["monetary"], axis=0).sum()
        shares = list(spend.sort_values(ascending=False, kind="stable").index[:N_CATEGORY_FEATURES])
    chosen += shares[:N_CATEGORY_FEATURES]
    return [c for c in chosen if c not in protected_columns()]


class FeatureSpace(TransformerMixin, BaseEstimator):
    """The space segments live in: log where heavy-tailed, winsorised at the ``clip`` and
    1 - ``clip`` quantiles (``None``: not clipped), standardised, category shares weighted as one
    block.  :meth:`expressions` is :meth:`transform` in Ibis, for the engine."""

    def __init__(self, features: list[str] | None = None, clip: float | None = CLIP):
        self.features, self.clip = features, clip

    def fit(self, X: pd.DataFrame, y=None) -> "FeatureSpace":
        cols = self.feature_names_in_ = np.asarray(self.features or default_features(X), dtype=object)
        values = X[cols].astype(float)
        self.log_columns_ = [c for c in cols if c not in BOUNDED and not c.startswith(SHARE_PREFIX)
                             and values[c].min() >= 0]
        logged = self._log(values)
        if self.clip is None:
            self.lower_ = pd.Series(-np.inf, index=cols)
            self.upper_ = pd.Series(np.inf, index=cols)
        else:
            self.lower_, self.upper_ = logged.quantile(self.clip), logged.quantile(1 - self.clip)
        clipped = logged.clip(self.lower_, self.upper_, axis=1)
        self.mean_, self.scale_ = clipped.mean(), clipped.std(ddof=0).replace(0.0, 1.0)
        # Category shares weigh together as much as N_CATEGORY_FEATURES features, however many
        # categories an analyst passes in.
        shares = [c for c in cols if c.startswith(SHARE_PREFIX)]
        self.weights_ = pd.Series(1.0, index=cols)
        if shares:
            self.weights_[shares] = np.sqrt(min(len(shares), N_CATEGORY_FEATURES) / len(shares))
        return self

    def _log(self, values: pd.DataFrame) -> pd.DataFrame:
        out = values.copy()
        out[self.log_columns_] = np.log1p(out[self.log_columns_].clip(lower=0))
        return out

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Weighted standard units; a missing value is the average (0)."""
        values = X[self.feature_names_in_].astype(float)
        z = (self._log(values).clip(self.lower_, self.upper_, axis=1) - self.mean_) / self.scale_
        return (z * self.weights_).fillna(0.0).to_numpy()

    def expressions(self, t: ir.Table) -> list[ir.FloatingValue]:
        """:meth:`transform`'s columns as Ibis expressions over a feature table."""
        z = []
        for c in self.feature_names_in_:
            v = t[c].cast("float64")
            if c in self.log_columns_:
                v = (ibis.greatest(v, 0.0) + 1.0).ln()
            if np.isfinite(self.lower_[c]):
                v = v.clip(float(self.lower_[c]), float(self.upper_[c]))
            z.append(((v - float(self.mean_[c])) / float(self.scale_[c]) * float(self.weights_[c])).fill_null(0.0))
        return z

    @classmethod
    def from_record(cls, record: dict) -> "FeatureSpace":
        """The fitted space :meth:`record` stored."""
        space = cls(list(record["features"]))
        cols = space.feature_names_in_ = np.asarray(record["features"], dtype=object)
        series = lambda values, none=np.nan: pd.Series(  # noqa: E731
            [none if v is None else v for v in values], index=cols, dtype=float)
        space.lower_, space.upper_ = series(record["lower"], -np.inf), series(record["upper"], np.inf)
        space.mean_, space.scale_, space.weights_ = (series(record[k]) for k in ("mean", "scale", "weights"))
        space.log_columns_ = list(record["log_columns"])
        return space

    def to_units(self, Z: np.ndarray) -> np.ndarray:
        """Points of this space (e.g. centres) back in the features' own units, logged where logged."""
        return np.asarray(Z) / self.weights_.to_numpy() * self.scale_.to_numpy() + self.mean_.to_numpy()

    def from_units(self, U: np.ndarray) -> np.ndarray:
        """:meth:`to_units` reversed: points in feature units, in this space (clipped as customers are)."""
        U = np.clip(np.asarray(U), self.lower_.to_numpy(), self.upper_.to_numpy())
        return (U - self.mean_.to_numpy()) / self.scale_.to_numpy() * self.weights_.to_numpy()

    def record(self) -> dict:
        """What transforms a customer, as stored in segmentation_runs (no bound: ``None``)."""
        bound = lambda s: [float(v) if np.isfinite(v) else None for v in s]  # noqa: E731
        return {"features": list(self.feature_names_in_), "mean": self.mean_.tolist(), "scale": self.scale_.tolist(),
                "lower": bound(self.lower_), "upper": bound(self.upper_), "weights": self.weights_.tolist(),
                "log_columns": self.log_columns_}


def squared_distances(z: list, centres: np.ndarray) -> list[ir.FloatingValue]:
    """Squared Euclidean distance of ``z`` (expressions) to each centre, as Ibis expressions."""
    return [sum(((zj - float(cj)) ** 2 for zj, cj in zip(z, centre)), ibis.literal(0.0)) for centre in centres]


def first_of(values: list[ir.FloatingValue], best: str = "least") -> ir.IntegerValue:
    """The index of the smallest (``best="least"``) or largest value, the lowest index on a tie, as
    NumPy's argmin / argmax."""
    if len(values) == 1:
        return ibis.literal(0, "int64")
    top = getattr(ibis, best)(*values)
    return ibis.cases(*[(v == top, k) for k, v in enumerate(values)], else_=0).cast("int64")


def size_order(labels: np.ndarray, k: int) -> np.ndarray:
    """Old segment ids, largest segment first: ids do not depend on a fit's arbitrary label order."""
    return np.argsort(-np.bincount(labels[labels >= 0], minlength=k), kind="stable")


def relabel(labels: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``labels`` renumbered so old id ``order[i]`` becomes ``i``; -1 (no segment) stays."""
    new = np.argsort(order)
    return np.where(labels >= 0, new[np.maximum(labels, 0)], -1)


class Segmenter(ClusterMixin, BaseEstimator):
    """What every clustering method shares: the feature space, the comparison of candidates and
    the choice among them.

    A method sets ``method`` (its name in kenal.toml) and implements ``_fit_one`` (one fit of a
    candidate on a matrix), ``_predict_fit`` (that fit's labels of other rows), ``_finish`` (keep
    the chosen fit, segments ordered by size), ``predict_z`` and ``_assign`` (the same in Ibis);
    ``_extra`` adds its own criterion to the comparison.  Parameters common to all:

    k_min, k_max : range of segment counts compared.
    features : columns to use; ``None`` takes the behavioural columns present.
    sample_size : customers used to score each candidate (silhouette is quadratic in the sample).
    n_subsamples : silhouette is averaged over this many subsamples, which gives its standard error.
    n_bootstrap : refits on bootstrap resamples that measure each candidate's stability.
    select_size : candidates are compared on at most this many customers (a random sample); the
        chosen one is then refitted on all, started from the sample's fit.
    random_state : seed of every random choice.

    Attributes: ``n_clusters_``, ``criteria_`` (one row per method and candidate compared, the
    chosen one marked), ``choice_reason_``, ``cluster_centers_`` (in the transformed space),
    ``labels_``, ``feature_names_in_``, ``weights_`` (feature weights) and ``space_`` (the
    :class:`FeatureSpace`).
    """

    method = ""
    clip: float | None = CLIP  # of the feature space
    resample_with_replacement = True  # stability: bootstrap resamples, or subsamples of 80%

    # -- the feature space ------------------------------------------------------------------
    def _fit_space(self, X: pd.DataFrame) -> np.ndarray:
        self.space_ = FeatureSpace(self.features, self.clip).fit(X)
        self.feature_names_in_, self.weights_ = self.space_.feature_names_in_, self.space_.weights_
        return self.space_.transform(X)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Customers in the space the segments live in."""
        return self.space_.transform(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.predict_z(self.transform(X))

    def assign_expression(self, t: ir.Table) -> ir.IntegerValue:
        """:meth:`predict` as an Ibis expression over a feature table, so the engine that holds the
        customers assigns them."""
        return self._assign(self.space_.expressions(t), t)

    def record(self) -> dict:
        """What assigns a customer, as stored in segmentation_runs."""
        return {"method": self.method, **self.space_.record(), "centers": self.cluster_centers_.tolist()}

    def _load(self, record: dict) -> None:
        """Set the fitted attributes :meth:`record` stored (a method adds its own)."""
        self.space_ = FeatureSpace.from_record(record)
        self.feature_names_in_, self.weights_ = self.space_.feature_names_in_, self.space_.weights_
        self.features = list(self.feature_names_in_)
        self.cluster_centers_ = np.asarray(record["centers"], dtype=float)
        self.n_clusters_ = len(self.cluster_centers_)

    # -- continuing a fitted model on a later snapshot ----------------------------------------
    warm_start = False  # whether :meth:`refit` can start from an earlier fit's centres

    def _fit_from(self, Z: np.ndarray, centres: np.ndarray):
        """One fit of ``len(centres)`` segments started from ``centres`` (methods with ``warm_start``)."""
        raise NotImplementedError

    def refit(self, X: pd.DataFrame, previous: "Segmenter") -> "Segmenter":
        """Re-fit on ``X`` with ``previous``'s features and number of segments, started from its
        centres carried into this data's space: the segments move with the customers, without a
        new choice of k that would make every segment new.  ``criteria_`` has the one candidate."""
        self.features = list(previous.feature_names_in_)
        Z = self._fit_space(X)
        start = self.space_.from_units(previous.space_.to_units(previous.cluster_centers_))
        rng = np.random.default_rng(self.random_state)
        with threadpool_limits(1):
            fit = self._fit_from(Z, start)
            k = len(start)
            sample = Z[np.sort(rng.choice(len(Z), size=min(self.select_size, len(Z)), replace=False))]
            labels = self._predict_fit(fit, sample)
            self.criteria_ = pd.DataFrame([{"method": self.method, "k": k, **self._scores(sample, labels, rng),
                                            "stability": self._stability(sample, labels, k, rng),
                                            **self._extra(fit, sample, labels), "chosen": True}])
            self._finish(fit, Z, refit=False)
        self.choice_reason_ = f"k={k} as before, re-fitted on this snapshot from the earlier fit's centres."
        return self

    nearest_centre = False  # assigns each customer to the nearest centre, by :meth:`costs`

    def costs(self, z: list, t: ir.Table) -> list[ir.FloatingValue]:
        """Each segment's squared distance to a customer, as Ibis expressions (methods with
        ``nearest_centre``): what smoothing across snapshots weighs."""
        raise NotImplementedError

    # -- comparing candidates ---------------------------------------------------------------
    def _candidates(self, n: int) -> list[int]:
        return list(range(self.k_min, min(self.k_max, n // 10) + 1))

    def _labels(self, fit, Z: np.ndarray) -> np.ndarray:
        return fit.labels_

    def _extra(self, fit, Z: np.ndarray, labels: np.ndarray) -> dict:
        return {}

    def _scores(self, Z: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> dict:
        """Silhouette (mean over subsamples, with its standard error), Calinski-Harabasz and
        Davies-Bouldin of the customers in a segment (label >= 0)."""
        size = min(self.sample_size // self.n_subsamples, len(Z))
        subsamples = [rng.choice(len(Z), size=size, replace=False) for _ in range(self.n_subsamples)]
        sample = rng.choice(len(Z), size=min(self.sample_size, len(Z)), replace=False)

        def inside(idx):
            idx = idx[labels[idx] >= 0]
            return idx if len(np.unique(labels[idx])) >= 2 else None

        sil = [silhouette_score(Z[i], labels[i]) for i in map(inside, subsamples) if i is not None]
        s = inside(sample)
        return {"silhouette": float(np.mean(sil)) if sil else np.nan,
                "silhouette_se": float(np.std(sil, ddof=1) / np.sqrt(len(sil))) if len(sil) > 1 else np.nan,
                "calinski_harabasz": calinski_harabasz_score(Z[s], labels[s]) if s is not None else np.nan,
                "davies_bouldin": davies_bouldin_score(Z[s], labels[s]) if s is not None else np.nan}

    def _stability(self, Z: np.ndarray, labels: np.ndarray, candidate: int, rng: np.random.Generator) -> float:
        """Mean ARI between the fit and refits on resamples: real segments come back."""
        idx = rng.choice(len(Z), size=min(self.sample_size, len(Z)), replace=False)
        scores = []
        for b in range(self.n_bootstrap):
            if self.resample_with_replacement:
                boot = rng.choice(idx, size=len(idx), replace=True)
            else:
                boot = rng.choice(idx, size=int(0.8 * len(idx)), replace=False)
            refit = self._fit_one(Z[boot], candidate, self.random_state + b + 1)
            scores.append(adjusted_rand_score(labels[idx], self._predict_fit(refit, Z[idx])))
        return float(np.mean(scores))

    def fit(self, X: pd.DataFrame, y=None) -> "Segmenter":
        if self.k_min < 2 or self.k_max < self.k_min:
            raise ValueError(f"need 2 <= k_min <= k_max, got k_min={self.k_min}, k_max={self.k_max}")
        if len(X) < self.k_min * 10:
            raise ValueError(f"{len(X)} customers are too few to segment into {self.k_min} or more "
                             "groups (need at least 10 per segment)")
        Z = self._fit_space(X)
        rng = np.random.default_rng(self.random_state)
        sampled = len(Z) > self.select_size
        Zs = Z[np.sort(rng.choice(len(Z), size=self.select_size, replace=False))] if sampled else Z
        rows, fits = [], []
        with threadpool_limits(1):  # on 2 cores, BLAS threads made KMeans several times slower
            for candidate in self._candidates(len(Zs)):
                fit = self._fit_one(Zs, candidate, self.random_state)
                labels = self._labels(fit, Zs)
                rows.append({"method": self.method, "k": candidate, **self._scores(Zs, labels, rng),
                             "stability": self._stability(Zs, labels, candidate, rng),
                             **self._extra(fit, Zs, labels)})
                fits.append(fit)
            self.criteria_ = pd.DataFrame(rows)
            best, self.choice_reason_ = self._choose(self.criteria_)
            self.criteria_["chosen"] = self.criteria_.index == best
            self._finish(fits[best], Z, refit=sampled)
        return self

    def _eligible(self, criteria: pd.DataFrame) -> pd.Series:
        """Candidates that may be chosen: those whose segments come back when refitted."""
        return criteria.stability >= MIN_STABILITY

    def _requirement(self, failed: bool = False) -> str:
        """What :meth:`_eligible` asks, or why a candidate failed it."""
        return f"unstable (below {MIN_STABILITY})" if failed else f"reached the stability of {MIN_STABILITY}"

    def _label(self, row: pd.Series) -> str:
        return f"k={int(row.k)}"

    def _span(self, criteria: pd.DataFrame) -> str:
        return f"k={int(criteria.k.min())}..{int(criteria.k.max())}"

    def _note(self, row: pd.Series, criteria: pd.DataFrame) -> str:
        """A method's own sentence about the chosen candidate (its criterion), or ""."""
        return ""

    def _choose(self, criteria: pd.DataFrame) -> tuple[int, str]:
        """The row with the highest silhouette among the candidates whose segments come back when
        refitted on resamples (stability >= MIN_STABILITY); unstable segmentations are not offered."""
        ok = self._eligible(criteria)
        scored = criteria[criteria.silhouette.notna()]
        pool = scored[ok[scored.index]] if ok[scored.index].any() else scored
        if pool.empty:
            raise ValueError(f"no {self.method} candidate found two or more segments; try another method")
        best = pool.silhouette.idxmax()
        chosen = pool.loc[best]
        rest = pool.drop(index=best)
        runner = rest.loc[rest.silhouette.idxmax()] if len(rest) else None
        reason = (f"{self._label(chosen)} has the highest silhouette ({chosen.silhouette:.3f} ± "
                  f"{chosen.silhouette_se:.3f}) of {self._span(criteria)}")
        if runner is not None:
            reason += f"; next best {self._label(runner)} ({runner.silhouette:.3f} ± {runner.silhouette_se:.3f})"
        reason += f". Refits on resamples reproduce its segments with an adjusted Rand index of {chosen.stability:.2f}"
        left_out = criteria[~ok]
        if not ok.any():
            reason += f"; no candidate {self._requirement()}, so treat these segments with caution."
        elif len(left_out):
            verb = "was" if len(left_out) == 1 else "were"
            reason += (f"; {', '.join(self._label(r) for _, r in left_out.iterrows())} {verb} left out: "
                       f"{self._requirement(failed=True)}.")
        else:
            reason += "."
        note = self._note(chosen, criteria)
        return int(best), reason + (f" {note}" if note else "")


class BehaviouralSegmenter(Segmenter):
    """K-means segmentation that chooses its number of segments by silhouette and stability.

    Parameters as :class:`Segmenter`, and ``n_init`` (k-means restarts of each candidate).
    ``criteria_`` has each candidate's inertia; ``inertia_`` is the chosen fit's (on all rows).
    """

    method = "kmeans"

    def __init__(self, k_min: int = 2, k_max: int = 12, features: list[str] | None = None,
                 sample_size: int = 10_000, n_subsamples: int = 4, n_bootstrap: int = 3, n_init: int = 4,
                 random_state: int = 0, select_size: int = SELECT_SIZE):
        self.k_min, self.k_max, self.features = k_min, k_max, features
        self.sample_size, self.n_subsamples, self.n_bootstrap = sample_size, n_subsamples, n_bootstrap
        self.n_init, self.random_state, self.select_size = n_init, random_state, select_size

    def _fit_one(self, Z: np.ndarray, k: int, seed: int) -> KMeans:
        return KMeans(n_clusters=k, n_init=self.n_init, random_state=seed).fit(Z)

    def _predict_fit(self, fit: KMeans, Z: np.ndarray) -> np.ndarray:
        return fit.predict(Z)

    def _extra(self, fit: KMeans, Z: np.ndarray, labels: np.ndarray) -> dict:
        return {"inertia": fit.inertia_}

    warm_start = nearest_centre = True

    def _fit_from(self, Z: np.ndarray, centres: np.ndarray) -> KMeans:
        return KMeans(n_clusters=len(centres), init=centres, n_init=1, random_state=self.random_state).fit(Z)

    def _finish(self, fit: KMeans, Z: np.ndarray, refit: bool) -> None:
        if refit:  # from the sample's centres, a few iterations on everyone
            fit = KMeans(n_clusters=fit.n_clusters, init=fit.cluster_centers_, n_init=1,
                         random_state=self.random_state).fit(Z)
        self.n_clusters_ = fit.n_clusters
        order = size_order(fit.labels_, self.n_clusters_)
        self.cluster_centers_ = fit.cluster_centers_[order]
        self.labels_ = relabel(fit.labels_, order)
        self.inertia_ = fit.inertia_

    def predict_z(self, Z: np.ndarray) -> np.ndarray:
        return pairwise_distances_argmin(Z, self.cluster_centers_)

    def costs(self, z: list, t: ir.Table) -> list[ir.FloatingValue]:
        return squared_distances(z, self.cluster_centers_)

    def _assign(self, z: list, t: ir.Table) -> ir.IntegerValue:
        """Nearest centre, the lowest id on a tie, as ``pairwise_distances_argmin``."""
        return first_of(self.costs(z, t))

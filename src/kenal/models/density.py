"""Density-based segmentation (HDBSCAN): dense groups of customers, and the customers far from all
of them left unassigned as outliers (segment -1) and counted.

HDBSCAN is fitted on a sample.  Its "leaf" clusters are dense cores (the default "excess of mass"
selection merged the overlapping behavioural segments of the sample into one cluster); everyone
else lies around them.  So a customer is assigned to the nearest core's centre, unless further
from it than the far-out fence (Q3 + 3 IQR) of the fitted customers' distances, each feature
measured in that cluster's own spread: a reseller buying by the carton is far out in the few
features that make it a reseller, where a customer between two segments is not.  Nearest centre
and the cutoff are sums the engine evaluates for every customer.

The features are not winsorised here: clipping every customer into the 1st-99th percentile box
would pull outliers back among everyone else.  HDBSCAN chooses its own number of clusters; the
candidates compared are its ``min_cluster_size`` (a share of the sample): a group smaller than it
is not a cluster, so a few hundred resellers among a hundred thousand customers are outliers.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from sklearn.cluster import HDBSCAN
from sklearn.metrics import pairwise_distances_argmin

from kenal.models.segmentation import MIN_STABILITY, Segmenter, first_of, relabel, size_order, squared_distances

OUTLIER = -1
MIN_CLUSTER_SHARES = (0.005, 0.01, 0.02)  # of the customers fitted
FAR_OUT = 3.0  # interquartile ranges above the upper quartile: Tukey's far-out fence
MIN_SPREAD = 0.25  # standard units: a feature (nearly) constant in a cluster must not make everyone else far


@dataclass
class Cores:
    """One HDBSCAN fit as a rule that assigns any customer: nearest centre within the cutoff."""

    min_cluster_size: int
    centres: np.ndarray  # (clusters, features)
    inverse_spread: np.ndarray  # 1 / each cluster's standard deviation per feature
    cutoff: float  # standardised distance beyond which a customer is an outlier
    noise_share: float  # of the fitted customers HDBSCAN left outside every cluster

    def distances(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest centre of each row and the squared standardised distance to it."""
        near = pairwise_distances_argmin(Z, self.centres)
        return near, (((Z - self.centres[near]) * self.inverse_spread[near]) ** 2).sum(axis=1)

    def predict(self, Z: np.ndarray) -> np.ndarray:
        near, far = self.distances(Z)
        return np.where(far > self.cutoff ** 2, OUTLIER, near)


def cores(Z: np.ndarray, labels: np.ndarray, min_cluster_size: int) -> Cores | None:
    """The rule of an HDBSCAN fit with ``labels`` on ``Z``; None when it found no cluster."""
    k = labels.max() + 1
    if k < 1:
        return None
    centres = np.stack([Z[labels == c].mean(axis=0) for c in range(k)])
    near = pairwise_distances_argmin(Z, centres)
    spread = np.stack([Z[near == c].std(axis=0) if (near == c).any() else np.ones(Z.shape[1]) for c in range(k)])
    rule = Cores(min_cluster_size, centres, 1 / np.maximum(spread, MIN_SPREAD), np.inf, float((labels < 0).mean()))
    distance = np.sqrt(rule.distances(Z)[1])
    q1, q3 = np.quantile(distance, [0.25, 0.75])
    rule.cutoff = float(q3 + FAR_OUT * (q3 - q1))
    return rule


class DensitySegmenter(Segmenter):
    """HDBSCAN segmentation with outliers (segment -1).

    Parameters as :class:`~kenal.models.segmentation.Segmenter`, except: the candidates compared
    are ``min_cluster_shares`` (HDBSCAN's ``min_cluster_size`` as a share of the customers
    fitted, ``min_samples`` a quarter of it); ``k_min`` / ``k_max`` bound the number of clusters
    a candidate may find to be chosen; ``select_size`` customers (a sample) are fitted, and
    stability refits on subsamples of 80% (duplicates of a bootstrap would be dense by themselves).

    Attributes as :class:`~kenal.models.segmentation.Segmenter`, and ``n_outliers_`` (training rows
    left unassigned), ``cutoff_``, ``inverse_spread_``.
    """

    method = "hdbscan"
    clip = None
    resample_with_replacement = False

    def __init__(self, k_min: int = 2, k_max: int = 12, features: list[str] | None = None,
                 min_cluster_shares: tuple[float, ...] = MIN_CLUSTER_SHARES, sample_size: int = 10_000,
                 n_subsamples: int = 4, n_bootstrap: int = 3, random_state: int = 0, select_size: int = 10_000):
        self.k_min, self.k_max, self.features, self.min_cluster_shares = k_min, k_max, features, min_cluster_shares
        self.sample_size, self.n_subsamples, self.n_bootstrap = sample_size, n_subsamples, n_bootstrap
        self.random_state, self.select_size = random_state, select_size

    def _candidates(self, n: int) -> list[int]:
        return sorted({max(5, round(share * n)) for share in self.min_cluster_shares})

    def _fit_one(self, Z: np.ndarray, min_cluster_size: int, seed: int) -> Cores | None:
        hdb = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=max(2, min_cluster_size // 4),
                      cluster_selection_method="leaf", copy=True).fit(Z)
        return cores(Z, hdb.labels_, min_cluster_size)

    def _predict_fit(self, fit: Cores | None, Z: np.ndarray) -> np.ndarray:
        return np.full(len(Z), OUTLIER) if fit is None else fit.predict(Z)

    _labels = _predict_fit

    def _extra(self, fit: Cores | None, Z: np.ndarray, labels: np.ndarray) -> dict:
        return {"k": 0 if fit is None else len(fit.centres), "min_cluster_size": int(fit.min_cluster_size) if fit else 0,
                "noise_share": 1.0 if fit is None else fit.noise_share, "outlier_share": float((labels < 0).mean())}

    def _eligible(self, criteria: pd.DataFrame) -> pd.Series:
        return (criteria.stability >= MIN_STABILITY) & criteria.k.between(self.k_min, self.k_max)

    def _requirement(self, failed: bool = False) -> str:
        if failed:
            return f"unstable (below {MIN_STABILITY}) or not {self.k_min}-{self.k_max} clusters"
        return f"reached the stability of {MIN_STABILITY} with {self.k_min}-{self.k_max} clusters"

    def _label(self, row: pd.Series) -> str:
        return f"min_cluster_size={int(row.min_cluster_size)} ({int(row.k)} clusters)"

    def _span(self, criteria: pd.DataFrame) -> str:
        return "min_cluster_size " + ", ".join(str(int(m)) for m in criteria.min_cluster_size)

    def _note(self, row: pd.Series, criteria: pd.DataFrame) -> str:
        return (f"HDBSCAN left {row.noise_share:.0%} of the customers around its dense cores, which go to the "
                f"nearest cluster; {row.outlier_share:.2%} lie further from every cluster than the far-out fence "
                "of distances (Q3 + 3 IQR, each feature in the cluster's own spread) and are left unassigned "
                "as Outliers (segment -1).")

    def _finish(self, fit: Cores, Z: np.ndarray, refit: bool) -> None:
        labels = fit.predict(Z)  # the sample's rule assigns everyone: nothing to refit
        self.n_clusters_ = len(fit.centres)
        order = size_order(labels, self.n_clusters_)
        self.cluster_centers_, self.inverse_spread_ = fit.centres[order], fit.inverse_spread[order]
        self.cutoff_ = fit.cutoff
        self.labels_ = relabel(labels, order)
        self.n_outliers_ = int((self.labels_ == OUTLIER).sum())

    def _rule(self) -> Cores:
        return Cores(0, self.cluster_centers_, self.inverse_spread_, self.cutoff_, 0.0)

    def predict_z(self, Z: np.ndarray) -> np.ndarray:
        return self._rule().predict(Z)

    def _assign(self, z: list, t: ir.Table) -> ir.IntegerValue:
        """Nearest centre (lowest id on a tie), or -1 beyond the cutoff: the sums of :class:`Cores`."""
        near = first_of(squared_distances(z, self.cluster_centers_))
        far = [sum((((zj - float(cj)) * float(ij)) ** 2 for zj, cj, ij in zip(z, c, inv)), ibis.literal(0.0))
               for c, inv in zip(self.cluster_centers_, self.inverse_spread_)]
        far_of_near = ibis.cases(*[(near == k, f) for k, f in enumerate(far)], else_=far[0])
        return ibis.ifelse(far_of_near > self.cutoff_ ** 2, OUTLIER, near).cast("int64")

    def record(self) -> dict:
        return {**super().record(), "inverse_spread": self.inverse_spread_.tolist(), "cutoff": self.cutoff_}

    def _load(self, record: dict) -> None:
        super()._load(record)
        self.inverse_spread_, self.cutoff_ = np.asarray(record["inverse_spread"]), float(record["cutoff"])

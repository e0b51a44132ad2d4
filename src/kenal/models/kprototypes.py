"""K-prototypes (Huang 1997) for numeric and categorical features together: the dissimilarity of a
customer to a prototype is the squared Euclidean distance of the numeric features plus ``gamma``
times the number of categorical features that differ from the prototype's (its modes).

Written as k-means on an augmented matrix: each categorical feature one-hot encoded with values
sqrt(gamma / 2), so a mismatch adds exactly gamma to the squared distance.  The assignment step is
then nearest prototype, the update step the numeric mean and, per categorical feature, the most
frequent value (a mode, which keeps every prototype a valid one-hot row).  Silhouette,
Calinski-Harabasz and Davies-Bouldin are computed in the same augmented space.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from sklearn.cluster import kmeans_plusplus
from sklearn.metrics import pairwise_distances_argmin

from kenal.models.segmentation import SELECT_SIZE, Segmenter, first_of, relabel, size_order

CATEGORICAL = ("main_platform", "region")  # city restates region, ten times finer
MISSING = "(missing)"  # a category of its own (no web session: no main platform)


class Prototypes:
    """One k-prototypes fit on an augmented matrix: its prototypes, labels and cost."""

    def __init__(self, prototypes: np.ndarray, labels: np.ndarray, cost: float):
        self.prototypes, self.labels_, self.cost = prototypes, labels, cost

    def predict(self, A: np.ndarray) -> np.ndarray:
        return pairwise_distances_argmin(A, self.prototypes)


def kprototypes(A: np.ndarray, k: int, blocks: list[slice], width: float, seed: int, n_init: int = 4,
                max_iter: int = 100, init: np.ndarray | None = None) -> Prototypes:
    """Huang's iterations on the augmented matrix ``A`` (categorical one-hot columns in ``blocks``,
    each of value ``width``), the fit of lowest cost over ``n_init`` k-means++ starts (or ``init``)."""
    numeric = slice(0, blocks[0].start if blocks else A.shape[1])
    best = None
    for run in range(1 if init is not None else n_init):
        P = init.copy() if init is not None else kmeans_plusplus(A, k, random_state=seed * 1000 + run)[0]
        labels = None
        for _ in range(max_iter):
            new = pairwise_distances_argmin(A, P)
            if labels is not None and np.array_equal(new, labels):
                break
            labels = new
            for c in range(k):
                members = A[labels == c]
                if not len(members):
                    continue  # an empty prototype stays where it was
                P[c, numeric] = members[:, numeric].mean(axis=0)
                for block in blocks:
                    P[c, block] = 0.0
                    P[c, block.start + int(members[:, block].sum(axis=0).argmax())] = width
        cost = float(((A - P[labels]) ** 2).sum())
        if best is None or cost < best.cost:
            best = Prototypes(P, labels, cost)
    return best


class KPrototypesSegmenter(Segmenter):
    """K-prototypes on the behavioural features and categorical ones (main platform, region).

    Parameters as :class:`~kenal.models.segmentation.Segmenter`, and ``categorical`` (columns;
    ``None``: those of :data:`CATEGORICAL` present), ``gamma`` (weight of a categorical mismatch;
    ``None``: half the mean standard deviation of the numeric features, as Huang 1997), ``n_init``.

    Attributes as :class:`~kenal.models.segmentation.Segmenter`; ``cluster_centers_`` holds the
    numeric part of the prototypes, ``modes_`` their categories (one dict per segment),
    ``categories_`` the values seen per categorical column, ``gamma_``.
    """

    method = "kprototypes"

    def __init__(self, k_min: int = 2, k_max: int = 12, features: list[str] | None = None,
                 categorical: list[str] | None = None, gamma: float | None = None, sample_size: int = 10_000,
                 n_subsamples: int = 4, n_bootstrap: int = 3, n_init: int = 4, random_state: int = 0,
                 select_size: int = SELECT_SIZE):
        self.k_min, self.k_max, self.features, self.categorical, self.gamma = k_min, k_max, features, categorical, gamma
        self.sample_size, self.n_subsamples, self.n_bootstrap = sample_size, n_subsamples, n_bootstrap
        self.n_init, self.random_state, self.select_size = n_init, random_state, select_size

    def _fit_space(self, X: pd.DataFrame) -> np.ndarray:
        numeric = super()._fit_space(X)  # numeric space first: gamma is learnt from it
        columns = self.categorical if self.categorical is not None else [c for c in CATEGORICAL if c in X.columns]
        self.categories_ = {c: sorted(set(self._values(X, c))) for c in columns}
        self.gamma_ = float(self.gamma if self.gamma is not None else 0.5 * numeric.std(axis=0).mean())
        return self.transform(X)

    @staticmethod
    def _values(X: pd.DataFrame, column: str) -> pd.Series:
        return X[column].astype(object).where(X[column].notna(), MISSING).astype(str)

    @property
    def _width(self) -> float:
        return float(np.sqrt(self.gamma_ / 2))

    def _blocks(self) -> list[slice]:
        blocks, start = [], len(self.feature_names_in_)
        for values in self.categories_.values():
            blocks.append(slice(start, start + len(values)))
            start += len(values)
        return blocks

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Numeric features in the shared space, then each categorical one-hot (a value not seen in
        fit: all zeros, equally far from every prototype)."""
        parts = [self.space_.transform(X)]
        for column, values in self.categories_.items():
            codes = pd.Categorical(self._values(X, column), categories=values).codes
            onehot = np.zeros((len(X), len(values)))
            seen = codes >= 0
            onehot[np.flatnonzero(seen), codes[seen]] = self._width
            parts.append(onehot)
        return np.hstack(parts)

    def _fit_one(self, A: np.ndarray, k: int, seed: int, init: np.ndarray | None = None) -> Prototypes:
        return kprototypes(A, k, self._blocks(), self._width, seed, self.n_init, init=init)

    def _predict_fit(self, fit: Prototypes, A: np.ndarray) -> np.ndarray:
        return fit.predict(A)

    def _extra(self, fit: Prototypes, A: np.ndarray, labels: np.ndarray) -> dict:
        return {"cost": fit.cost}

    def _finish(self, fit: Prototypes, A: np.ndarray, refit: bool) -> None:
        if refit:
            fit = self._fit_one(A, len(fit.prototypes), self.random_state, init=fit.prototypes)
        self.n_clusters_ = len(fit.prototypes)
        order = size_order(fit.labels_, self.n_clusters_)
        self.prototypes_ = fit.prototypes[order]
        self.labels_ = relabel(fit.labels_, order)
        self.cost_ = fit.cost
        d = len(self.feature_names_in_)
        self.cluster_centers_ = self.prototypes_[:, :d]
        self.modes_ = [{column: values[int(p[block].argmax())] for (column, values), block
                        in zip(self.categories_.items(), self._blocks())} for p in self.prototypes_]

    def predict_z(self, A: np.ndarray) -> np.ndarray:
        return pairwise_distances_argmin(A, self.prototypes_)

    def _assign(self, z: list, t: ir.Table) -> ir.IntegerValue:
        """Nearest prototype: squared distance plus gamma per category unlike the prototype's, the
        lowest id on a tie.  Only differences matter, so a value not seen in fit (unlike every
        prototype) adds gamma everywhere here and gamma / 2 in :meth:`transform`."""
        values = {c: t[c].cast("string").fill_null(MISSING) for c in self.categories_}
        costs = []
        for centre, modes in zip(self.cluster_centers_, self.modes_):
            numeric = sum(((zj - float(cj)) ** 2 for zj, cj in zip(z, centre)), ibis.literal(0.0))
            mismatches = sum((ibis.ifelse(values[c] == mode, 0.0, self.gamma_) for c, mode in modes.items()),
                             ibis.literal(0.0))
            costs.append(numeric + mismatches)
        return first_of(costs)

    def record(self) -> dict:
        return {**super().record(), "categorical": list(self.categories_), "categories": self.categories_,
                "modes": self.modes_, "gamma": self.gamma_}

    def _load(self, record: dict) -> None:
        super()._load(record)
        self.categories_, self.modes_, self.gamma_ = record["categories"], record["modes"], float(record["gamma"])
        onehot = [[self._width if value == modes[c] else 0.0 for c, values in self.categories_.items() for value in values]
                  for modes in self.modes_]
        self.prototypes_ = np.hstack([self.cluster_centers_, np.asarray(onehot).reshape(self.n_clusters_, -1)])

"""Predefined segments learnt from examples: the analyst labels some customers (loyal, lost, ...)
and a gradient-boosted classifier, regularised and cross-validated, assigns everyone else.

How good it is comes from out-of-fold predictions on the labelled customers (each predicted by a
model that did not see it), per label, so the analyst knows which labels the model can tell apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from kenal.schema import protected_columns

N_SPLITS = 5
MIN_PER_LABEL = 10  # each of the 5 folds then tests at least 2 customers of a label and trains on at least 8
# Small on purpose: every candidate costs N_SPLITS fits, and with few candidates choosing them on the
# same folds that report the metrics flatters those metrics only slightly.  The leaf size matters most
# with few labels (20 per leaf cannot separate labels of 16 customers a fold); the penalty with many.
PARAM_GRID = {"min_samples_leaf": [5, 20], "l2_regularization": [0.0, 1.0]}
MAX_LEAF_NODES = 15
MAX_BINS = 255  # as the trees' own binning
EARLY_STOPPING_FROM = 1_000  # labelled customers; below, a held-out 15% of a fold is too few to stop on
UNCERTAIN = "Uncertain"


def model_columns(features: pd.DataFrame) -> list[str]:
    """The numeric and boolean features a model may use: never an identifier or a protected attribute."""
    protected = protected_columns()
    return [c for c in features.columns if c != "customer_id" and c not in protected
            and (pd.api.types.is_numeric_dtype(features[c]) or pd.api.types.is_bool_dtype(features[c]))]


class LabelLearner(ClassifierMixin, BaseEstimator):
    """A classifier of customers fitted on the labelled ones, and their segmentation.

    ``fit(X, y)``: ``X`` the feature table, ``y`` a label per row or missing (None / NaN) for a
    customer not labelled.  Labelled customers keep their given label in ``labels_``; the rest get
    the predicted one, or "Uncertain" when the top predicted probability is below
    ``min_confidence`` (0: never).  Missing feature values are handled by the trees themselves.

    Attributes: ``classes_`` (sorted labels), ``segment_names_`` (segment id -> name: the labels,
    then "Uncertain" if ``min_confidence``), ``labels_`` (segment id per row of ``X``),
    ``labelled_`` (mask of rows with a given label), ``best_params_``, ``n_iter_`` (boosting rounds),
    ``metrics_`` (per label: precision, recall, f1, support, out of fold), ``macro_f1_``,
    ``feature_names_in_``, ``estimator_``.
    """

    def __init__(self, min_confidence: float = 0.0, param_grid: dict | None = None, n_splits: int = N_SPLITS,
                 max_iter: int = 100, random_state: int = 0):
        self.min_confidence, self.param_grid, self.n_splits = min_confidence, param_grid, n_splits
        self.max_iter, self.random_state = max_iter, random_state

    def fit(self, X: pd.DataFrame, y) -> "LabelLearner":
        y = pd.Series(y, index=X.index, dtype=object)
        self.labelled_ = y.notna().to_numpy()
        self.feature_names_in_ = model_columns(X)
        # Binned here, unweighted and on every customer: scikit-learn bins weighted rows (class weights)
        # with one weighted percentile per bin, 3 s a fit on 5,000 customers against 0.1 s.  A feature with
        # more values than the trees' bins takes the nearest of MAX_BINS quantiles at or above each value
        # (of the whole population); scikit-learn then splits halfway between them, as on raw values.
        values = X[self.feature_names_in_].astype(float).to_numpy()
        levels = np.linspace(0, 1, MAX_BINS + 1)[1:]
        self.bin_edges_ = [np.unique(np.nanquantile(c, levels)) if len(np.unique(c[~np.isnan(c)])) > MAX_BINS
                           else None for c in values.T]
        Xl, yl = self._matrix(X[self.labelled_]), y[self.labelled_].astype(str).to_numpy()
        classes, counts = np.unique(yl, return_counts=True)
        if len(classes) < 2 or counts.min() < self.n_splits:
            raise ValueError(f"need at least 2 labels with {self.n_splits} customers each, got "
                             f"{dict(zip(classes, counts.tolist()))}")
        early = len(yl) >= EARLY_STOPPING_FROM
        base = HistGradientBoostingClassifier(
            class_weight="balanced",  # a rare label counts as much as a common one
            max_leaf_nodes=MAX_LEAF_NODES, max_iter=self.max_iter, early_stopping=early,
            validation_fraction=0.15, n_iter_no_change=10, random_state=self.random_state)
        folds = StratifiedKFold(self.n_splits, shuffle=True, random_state=self.random_state)
        search = GridSearchCV(base, self.param_grid or PARAM_GRID, scoring="f1_macro", cv=folds)
        with threadpool_limits(1):  # on 2 busy cores, 2 OpenMP threads made each fit 20-60x slower
            search.fit(Xl, yl)
            out_of_fold = cross_val_predict(clone(search.best_estimator_), Xl, yl, cv=folds)
        self.best_params_ = dict(search.best_params_)
        self.estimator_ = search.best_estimator_
        self.classes_ = self.estimator_.classes_
        self.n_iter_ = int(self.estimator_.n_iter_)

        p, r, f, s = precision_recall_fscore_support(yl, out_of_fold, labels=self.classes_, zero_division=0)
        self.metrics_ = pd.DataFrame({"label": self.classes_, "precision": p, "recall": r, "f1": f,
                                      "support": s.astype(int)})
        self.macro_f1_ = float(f1_score(yl, out_of_fold, labels=self.classes_, average="macro"))

        names = [str(c) for c in self.classes_]
        uncertain = UNCERTAIN if UNCERTAIN not in names else f"{UNCERTAIN} (low confidence)"
        self.segment_names_ = names + ([uncertain] if self.min_confidence > 0 else [])
        proba = self.predict_proba(X)
        ids = proba.argmax(axis=1)
        if self.min_confidence > 0:
            ids[proba.max(axis=1) < self.min_confidence] = len(names)
        ids[self.labelled_] = np.searchsorted(self.classes_, yl)  # a given label stands
        self.labels_ = ids.astype(np.int64)
        return self

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        values = X[self.feature_names_in_].astype(float).to_numpy()
        for j, edges in enumerate(self.bin_edges_):
            if edges is not None:  # missing stays missing, for the trees to route
                c = values[:, j]
                nearest = edges[np.minimum(np.searchsorted(edges, c), len(edges) - 1)]
                values[:, j] = np.where(np.isnan(c), np.nan, nearest)
        return values

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        with threadpool_limits(1):
            return self.estimator_.predict_proba(self._matrix(X))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The model's likeliest label of each row (for a labelled customer too; never "Uncertain")."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

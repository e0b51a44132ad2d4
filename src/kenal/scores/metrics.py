"""How good a probability score is: ranking (ROC-AUC, PR-AUC), the decision at a threshold
(precision, recall, F1), calibration (Brier score, expected calibration error, the curve by bins),
the threshold for a target recall, and the quality per missingness pattern."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

N_BINS = 10
MIN_PATTERN_ROWS = 50  # a missingness group smaller than this gets no AUC of its own


def threshold_for_recall(y, p, target_recall: float) -> float:
    """The highest threshold t such that flagging every row with ``p >= t`` catches at least
    ``target_recall`` of the positives (ties at t are all flagged).  1.0 when there are no positives."""
    y, p = np.asarray(y, dtype=bool), np.asarray(p, dtype=float)
    if not 0 < target_recall <= 1:
        raise ValueError("target_recall must be in (0, 1]")
    positives = int(y.sum())
    if positives == 0:
        return 1.0
    order = np.argsort(-p, kind="stable")
    caught = np.cumsum(y[order])
    k = int(np.searchsorted(caught, np.ceil(target_recall * positives - 1e-9)))
    return float(p[order][k])


def calibration_bins(y, p, n_bins: int = N_BINS) -> list[dict]:
    """Equal-width bins of the predicted probability over [0, 1]: for each non-empty bin, its range,
    the number of rows, the mean predicted probability and the observed share of positives."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    which = np.minimum((p * n_bins).astype(int), n_bins - 1)
    out = []
    for b in range(n_bins):
        m = which == b
        if m.any():
            out.append({"lower": b / n_bins, "upper": (b + 1) / n_bins, "n": int(m.sum()),
                        "mean_predicted": float(p[m].mean()), "fraction_positive": float(y[m].mean())})
    return out


def expected_calibration_error(y, p, n_bins: int = N_BINS) -> float:
    """ECE: the mean over equal-width bins of |observed share - mean prediction|, weighted by the
    bin's share of rows."""
    n = len(np.asarray(y))
    return float(sum(b["n"] / n * abs(b["fraction_positive"] - b["mean_predicted"])
                     for b in calibration_bins(y, p, n_bins))) if n else float("nan")


def _auc(y, p, metric) -> float | None:
    y = np.asarray(y)
    return float(metric(y, p)) if 0 < y.sum() < len(y) else None


def roc_auc(y, p) -> float | None:
    return _auc(y, p, roc_auc_score)


def pr_auc(y, p) -> float | None:
    """Average precision: the area under the precision-recall curve (step-wise, no interpolation)."""
    return _auc(y, p, average_precision_score)


def classification_metrics(y, p, threshold: float, n_bins: int = N_BINS) -> dict:
    """Every number a classifier score reports on held-out rows, at ``threshold``."""
    y, p = np.asarray(y, dtype=bool), np.asarray(p, dtype=float)
    flag = p >= threshold
    tp = int((flag & y).sum())
    precision = tp / flag.sum() if flag.any() else 0.0
    recall = tp / y.sum() if y.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": int(len(y)), "positives": int(y.sum()), "positive_rate": float(y.mean()) if len(y) else None,
            "roc_auc": roc_auc(y, p), "pr_auc": pr_auc(y, p), "threshold": float(threshold),
            "flagged": int(flag.sum()), "precision": float(precision), "recall": float(recall), "f1": float(f1),
            "brier": float(np.mean((p - y) ** 2)) if len(y) else None,
            "ece": expected_calibration_error(y, p, n_bins), "calibration_curve": calibration_bins(y, p, n_bins)}


def by_missingness(frame: pd.DataFrame, y, p, min_rows: int = MIN_PATTERN_ROWS) -> dict:
    """For each input that is missing for some customers and present for others: the ROC-AUC and
    PR-AUC among the customers who lack it and among those who have it."""
    y, p = np.asarray(y), np.asarray(p)
    out = {}
    for column in frame.columns:
        missing = frame[column].isna().to_numpy()
        if not missing.any() or missing.all():
            continue
        out[column] = {}
        for name, m in (("missing", missing), ("present", ~missing)):
            big = m.sum() >= min_rows
            out[column][name] = {"n": int(m.sum()), "positives": int(y[m].sum()),
                                 "roc_auc": roc_auc(y[m], p[m]) if big else None,
                                 "pr_auc": pr_auc(y[m], p[m]) if big else None}
    return out

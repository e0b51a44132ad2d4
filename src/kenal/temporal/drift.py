"""Population drift between two snapshots: per feature, the population stability index (PSI) and a
two-sample Kolmogorov-Smirnov test; per segmentation, the drift of segment sizes.

PSI = Σ (a − e)·ln(a / e) over bins of the earlier snapshot's deciles, where e and a are the shares
of the earlier and later population in each bin.  The usual reading: below 0.1 stable, 0.1-0.25 a
moderate shift, above 0.25 a major one (Siddiqi, *Credit Risk Scorecards*, 2006).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

MODERATE, MAJOR = 0.1, 0.25
EPSILON = 1e-4  # an empty bin's share: keeps the log finite without dominating the sum


def psi_from_shares(expected: np.ndarray, actual: np.ndarray) -> float:
    e = np.clip(np.asarray(expected, dtype=float), EPSILON, None)
    a = np.clip(np.asarray(actual, dtype=float), EPSILON, None)
    return float(np.sum((a - e) * np.log(a / e)))


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """PSI of ``actual`` against ``expected`` over ``expected``'s quantile bins (ties merge bins, so a
    count with few distinct values gets one bin per value).  Missing values form their own bin."""
    expected, actual = np.asarray(expected, dtype=float), np.asarray(actual, dtype=float)
    known_e, known_a = expected[~np.isnan(expected)], actual[~np.isnan(actual)]
    edges = np.unique(np.quantile(known_e, np.linspace(0, 1, bins + 1)[1:-1])) if len(known_e) else np.array([])
    e = np.bincount(np.searchsorted(edges, known_e, side="right"), minlength=len(edges) + 1)
    a = np.bincount(np.searchsorted(edges, known_a, side="right"), minlength=len(edges) + 1)
    e = np.append(e, np.isnan(expected).sum()) / len(expected)
    a = np.append(a, np.isnan(actual).sum()) / len(actual)
    return psi_from_shares(e, a)


def feature_drift(before: pd.DataFrame, after: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One row per column: psi, the KS statistic and p-value, and the PSI reading."""
    rows = []
    for c in columns:
        b, a = before[c].astype(float).to_numpy(), after[c].astype(float).to_numpy()
        test = ks_2samp(b[~np.isnan(b)], a[~np.isnan(a)])
        value = psi(b, a)
        rows.append({"feature": c, "psi": value, "ks_statistic": float(test.statistic),
                     "ks_p_value": float(test.pvalue), "drift": _reading(value)})
    return pd.DataFrame(rows)


def segment_drift(before: pd.Series, after: pd.Series) -> tuple[pd.DataFrame, float]:
    """Shares of each segment (series of segment names or ids per customer) before and after, and
    the PSI of the segment sizes."""
    shares = pd.DataFrame({"before": before.value_counts(normalize=True),
                           "after": after.value_counts(normalize=True)}).fillna(0.0)
    shares["change"] = shares.after - shares.before
    return shares, psi_from_shares(shares.before.to_numpy(), shares.after.to_numpy())


def _reading(value: float) -> str:
    return "major" if value > MAJOR else "moderate" if value > MODERATE else "stable"

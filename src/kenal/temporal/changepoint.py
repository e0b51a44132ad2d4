"""Per-customer change points: when a customer's purchase rate breaks from its own history.

Each customer's weekly purchase counts are modelled as Poisson with one rate before week ``τ`` and
another from it on.  The split with the largest likelihood ratio against a single rate is the
candidate; it is a *behaviour shift* when the ratio is significant after a Bonferroni correction
for the number of splits tried, and the rate changed by at least ``min_ratio`` either way (a real
but small drift is not worth a flag).  Everything is vectorised over customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2


def _xlogx_over(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    """s·log(s/n) with 0·log 0 = 0: the Poisson log-likelihood at the fitted rate, less terms
    that cancel in the ratio."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, s * np.log(s / n), 0.0)


def poisson_change_points(counts: np.ndarray, min_weeks: int = 8, alpha: float = 0.001,
                          min_ratio: float = 2.0, first: np.ndarray | None = None) -> pd.DataFrame:
    """One row per customer (row of ``counts``, customers × weeks): the most likely change week
    (index of the first week at the new rate), rates before and after (per week), the likelihood
    ratio statistic, its Bonferroni-corrected p-value, the direction ("up" / "down") and whether
    it is flagged as a shift.  Splits leave at least ``min_weeks`` weeks on each side.

    ``first`` (optional, per customer) is the first week of each customer's history (when it
    joined): earlier weeks are not zeros but unknown, and are left out.  A customer with fewer than
    ``2 · min_weeks`` weeks of history gets no split: change_week -1, p-value 1, never a shift.
    """
    counts = np.asarray(counts, dtype=float)
    n_customers, n_weeks = counts.shape
    taus = np.arange(min_weeks, n_weeks - min_weeks + 1)
    if len(taus) == 0:
        raise ValueError(f"{n_weeks} weeks are too few to split with {min_weeks} weeks on each side")
    first = np.zeros(n_customers, np.int64) if first is None else np.clip(np.asarray(first, np.int64), 0, n_weeks)
    rows = np.arange(n_customers)
    cum = np.cumsum(counts, axis=1)
    earlier = np.where(first > 0, cum[rows, np.maximum(first - 1, 0)], 0.0)[:, None]  # before the history
    total = cum[:, -1:] - earlier
    before = cum[:, taus - 1] - earlier
    after = total - before
    n1 = (taus[None, :] - first[:, None]).astype(float)
    n2 = (n_weeks - taus).astype(float)
    valid = n1 >= min_weeks
    llr = (_xlogx_over(before, np.maximum(n1, 1.0)) + _xlogx_over(after, n2)
           - _xlogx_over(total, (n_weeks - first)[:, None].astype(float)))
    llr = np.where(valid, llr, -np.inf)
    best = np.argmax(llr, axis=1)
    tried = valid.sum(axis=1)
    ok = tried > 0
    statistic = np.where(ok, 2 * llr[rows, best], 0.0)
    tau = np.where(ok, taus[best], -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_before = np.where(ok, before[rows, best] / n1[rows, best], np.nan)
        rate_after = np.where(ok, after[rows, best] / n2[best], np.nan)
        ratio = np.where(rate_before > 0, rate_after / rate_before, np.inf)
    p_value = np.where(ok, np.minimum(1.0, chi2.sf(statistic, df=1) * tried), 1.0)
    big = (ratio >= min_ratio) | (ratio <= 1 / min_ratio)
    return pd.DataFrame({
        "change_week": tau, "rate_before": rate_before, "rate_after": rate_after, "statistic": statistic,
        "p_value": p_value, "direction": np.where(rate_after > rate_before, "up", "down"),
        "shift": (p_value < alpha) & big & ok,
    })

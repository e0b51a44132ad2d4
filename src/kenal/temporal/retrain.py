"""When a segmentation is re-fitted rather than re-applied, and why (every decision is logged).

Rule-based segmentations (RFM, lifecycle, value tiers, groups, rules) are cheap and defined by
their rules: they refresh on every run.  A learnt segmentation (a clustering, learnt labels) keeps
its model, so ids and boundaries stay put, until it is ``every_days`` old or a feature it uses has
drifted (population stability index at least ``max_psi``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

LEARNT_KINDS = ("clustering", "learnt")
EVERY_DAYS = 30
MAX_PSI = 0.25  # a major shift in the usual reading of the PSI


@dataclass(frozen=True)
class RetrainDecision:
    refit: bool
    reason: str
    cause: str = ""  # "rules", "new", "drift", "age" or "kept"


def decide(kind: str, as_of: datetime, fitted_as_of: datetime | None, drift: pd.DataFrame | None = None,
           every_days: int = EVERY_DAYS, max_psi: float = MAX_PSI) -> RetrainDecision:
    """``fitted_as_of`` is the as-of date of the snapshot the current model was fitted on (None: no
    model yet); ``drift`` has one row per model feature with its ``psi`` since then."""
    if kind not in LEARNT_KINDS:
        return RetrainDecision(True, "rule-based segments refresh on every run", "rules")
    if fitted_as_of is None:
        return RetrainDecision(True, "no earlier model: fitted on this snapshot", "new")
    age = (as_of - fitted_as_of).days
    worst = drift.loc[drift.psi.idxmax()] if drift is not None and len(drift) else None
    if worst is not None and worst.psi >= max_psi:
        return RetrainDecision(True, f"re-fitted: {worst.feature} drifted (PSI {worst.psi:.2f} >= {max_psi}) since "
                                     f"the model was fitted on {fitted_as_of:%Y-%m-%d}", "drift")
    if age >= every_days:
        return RetrainDecision(True, f"re-fitted: the model from {fitted_as_of:%Y-%m-%d} is {age} days old "
                                     f"(re-fit every {every_days} days)", "age")
    largest = f"; the largest drift is {worst.feature} (PSI {worst.psi:.2f})" if worst is not None else ""
    return RetrainDecision(False, f"kept the model fitted on {fitted_as_of:%Y-%m-%d} ({age} days ago){largest}",
                           "kept")

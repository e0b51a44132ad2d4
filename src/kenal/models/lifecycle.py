"""Lifecycle stages from purchase history and each customer's own purchase rhythm.

The business's typical gap between purchases, ``T``, is the median over repeat buyers of their
mean gap.  A customer's expected gap ``E`` is their own mean gap shrunk toward ``T`` as if they
had ``PRIOR_GAPS`` more gaps of length ``T``: ``E = (span + PRIOR_GAPS * T) / (n - 1 + PRIOR_GAPS)``
for ``n`` purchases over ``span`` days (a one-time buyer has ``E = T``).  So a weekly buyer is
overdue after a few weeks, a twice-a-year buyer only after a year or more.

If the customer still bought at that rhythm (a Poisson process), going ``r`` days without a purchase
would have the probability ``exp(-r / E)``.  The stages read that probability:

==================  =====================================================================
New                 first purchase within the "new" window of ``NEW_GAPS * T`` days (kept
                    within 30..365), or an account opened within it without a purchase yet
Active              ``exp(-r/E) >= 25%``
Reactivated         active again, and the gap the latest purchase ended was long enough to
                    call them churned by the rhythm they had before it
At risk             ``25% > exp(-r/E) >= 5%``
Lapsed              ``5% > exp(-r/E)``, not churned
Churned             ``exp(-r/E) < 1%`` and no purchase within the "new" window either
Never purchased     an account older than the "new" window, without a purchase
==================  =====================================================================
"""

from __future__ import annotations

import math

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from kenal.models.grouping import ExpressionSegmenter, _first_match

STAGES = ("New", "Active", "Reactivated", "At risk", "Lapsed", "Churned", "Never purchased")
PRIOR_GAPS = 2.0
NEW_GAPS = 3.0  # "new" for three typical gaps: long enough to have bought again
NEW_DAYS = (30.0, 365.0)
AT_RISK, LAPSED, CHURNED = 0.25, 0.05, 0.01  # chance of so long a silence at the customer's rhythm
REQUIRED = ("frequency", "purchase_span_days", "recency_days", "tenure_days", "last_gap_days")


class LifecycleSegmenter(ExpressionSegmenter):
    """Attributes: ``typical_gap_days_`` (T), ``new_days_`` and ``segment_names_`` (:data:`STAGES`)."""

    def fit(self, X: pd.DataFrame, y=None) -> "LifecycleSegmenter":
        missing = [c for c in REQUIRED if c not in X.columns]
        if missing:
            raise ValueError(f"lifecycle stages need the feature(s) {', '.join(missing)}")
        n = X["frequency"].to_numpy(dtype=float)
        repeat = n >= 2
        if repeat.any():
            self.typical_gap_days_ = float(np.median(X["purchase_span_days"].to_numpy(dtype=float)[repeat] / (n[repeat] - 1)))
        else:  # nobody bought twice: no rhythm to learn, a month is the usual guess
            self.typical_gap_days_ = 30.0
        self.typical_gap_days_ = max(self.typical_gap_days_, 1.0)
        self.new_days_ = float(np.clip(NEW_GAPS * self.typical_gap_days_, *NEW_DAYS))
        self.segment_names_ = list(STAGES)
        return self

    def assign_expression(self, t: ir.Table) -> ir.IntegerValue:
        T = self.typical_gap_days_
        n = t.frequency.cast("float64")
        span, recency, last_gap = (t[c].cast("float64") for c in ("purchase_span_days", "recency_days", "last_gap_days"))
        expected = (span + PRIOR_GAPS * T) / (ibis.greatest(n, 1.0) - 1.0 + PRIOR_GAPS)
        overdue = recency / expected  # -log of the chance of so long a silence
        # the expected gap before the latest purchase, from the purchases before it
        expected_before = (span - last_gap + PRIOR_GAPS * T) / (ibis.greatest(n, 2.0) - 2.0 + PRIOR_GAPS)
        bought = n >= 1
        active = overdue <= -math.log(AT_RISK)
        return _first_match([
            (bought & (recency + span <= self.new_days_)) | (~bought & (t.tenure_days <= self.new_days_)),
            bought & active & ~((n >= 2) & (last_gap / expected_before > -math.log(CHURNED))
                                & (last_gap > self.new_days_)),
            bought & active,
            bought & (overdue <= -math.log(LAPSED)),
            bought & ((overdue <= -math.log(CHURNED)) | (recency <= self.new_days_)),
            bought,
        ], default=STAGES.index("Never purchased"))

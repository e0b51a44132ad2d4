"""Re-fit decisions and the split of movement into behaviour and re-fit noise, by hand."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd

from kenal.temporal.retrain import decide
from kenal.temporal.stability import stability

JUNE = datetime(2026, 6, 30, tzinfo=timezone.utc)


def test_movement_is_split_into_behaviour_and_refit():
    previous = np.array([0, 0, 1, 1, 2, 2, 2, 2])
    old_model = np.array([0, 1, 1, 1, 2, 2, 0, 2])  # customers 1 and 6 changed behaviour
    current = np.array([0, 1, 1, 2, 2, 2, 0, 1])  # 1 and 6 moved for it; 3 and 7 moved by the re-fit
    s = stability(previous, old_model, current)
    assert s.to_dict() == {"customers": 8, "kept": 0.5, "moved_by_behaviour": 0.25, "moved_by_refit": 0.25}


def test_rule_segments_refresh_and_a_new_clustering_is_fitted():
    assert decide("lifecycle", JUNE, None).reason == "rule-based segments refresh on every run"
    first = decide("clustering", JUNE, None)
    assert (first.refit, first.reason) == (True, "no earlier model: fitted on this snapshot")


def test_a_clustering_is_kept_until_it_is_old_or_its_features_drift():
    drift = pd.DataFrame({"feature": ["frequency", "recency_days"], "psi": [0.04, 0.12]})
    kept = decide("clustering", JUNE, datetime(2026, 6, 10, tzinfo=timezone.utc), drift)
    assert (kept.refit, kept.reason) == (False, "kept the model fitted on 2026-06-10 (20 days ago); the largest "
                                                "drift is recency_days (PSI 0.12)")
    old = decide("clustering", JUNE, datetime(2026, 5, 31, tzinfo=timezone.utc), drift)
    assert (old.refit, old.reason) == (True, "re-fitted: the model from 2026-05-31 is 30 days old (re-fit every "
                                             "30 days)")
    drifted = decide("clustering", JUNE, datetime(2026, 6, 29, tzinfo=timezone.utc),
                     drift.assign(psi=[0.04, 0.31]))
    assert (drifted.refit, drifted.reason) == (True, "re-fitted: recency_days drifted (PSI 0.31 >= 0.25) since the "
                                                     "model was fitted on 2026-06-29")

"""The threshold for a target recall, the calibration error and the explanations, on arrays small
enough to check by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kenal.errors import ConfigError
from kenal.scores.classifier import Encoding, TrainingSet, time_folds, train_score
from kenal.scores.dataset import labels_for, propensity_target, training_dates
from kenal.scores.explain import reasons_text, top_reasons
from kenal.scores.metrics import (by_missingness, calibration_bins, classification_metrics,
                                  expected_calibration_error, threshold_for_recall)
from kenal.scores.scoring import ScoreOptions, parse_propensity

# six customers by score; positives at 0.9, 0.7, 0.6 and 0.4
P = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
Y = np.array([1, 0, 1, 1, 0, 1])


@pytest.mark.parametrize("target,expected", [
    (0.25, 0.9),   # 1 of 4 positives: the top score alone
    (0.5, 0.7),    # 2 of 4: flag down to 0.7 (0.8 is a negative)
    (0.75, 0.6),   # 3 of 4
    (0.8, 0.4),    # 3.2 of 4 means all 4: down to the last positive
    (1.0, 0.4),
])
def test_threshold_is_the_highest_that_reaches_the_target_recall(target, expected):
    t = threshold_for_recall(Y, P, target)
    assert t == expected
    m = classification_metrics(Y, P, t)
    assert m["recall"] >= target
    # one step higher would miss the target
    higher = P[P > t]
    if len(higher):
        assert classification_metrics(Y, P, higher.min())["recall"] < target


def test_threshold_with_ties_flags_the_whole_tie():
    p = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    y = np.array([1, 0, 1, 0, 1])
    assert threshold_for_recall(y, p, 0.6) == 0.5  # 2 of 3 positives need the tie at 0.5
    m = classification_metrics(y, p, 0.5)
    assert (m["flagged"], m["precision"], m["recall"]) == (4, 0.5, 2 / 3)


def test_precision_recall_f1_and_brier_at_a_threshold():
    m = classification_metrics(Y, P, 0.6)  # flags 0.9, 0.8, 0.7, 0.6: 3 true of 4
    assert (m["flagged"], m["precision"], m["recall"]) == (4, 0.75, 0.75)
    assert m["f1"] == pytest.approx(0.75)
    assert m["brier"] == pytest.approx(np.mean((P - Y) ** 2))
    assert m["brier"] == pytest.approx((0.01 + 0.64 + 0.09 + 0.16 + 0.25 + 0.36) / 6)
    assert m["positives"] == 4 and m["positive_rate"] == pytest.approx(4 / 6)


def test_ece_by_hand():
    # bins of width 0.1: [0.0,0.1) holds 0.05, 0.05 (no positive); [0.3,0.4) holds 0.3, 0.35 (one
    # positive); [0.9,1.0] holds 0.95 and 1.0 (both positive)
    p = np.array([0.05, 0.05, 0.3, 0.35, 0.95, 1.0])
    y = np.array([0, 0, 1, 0, 1, 1])
    bins = calibration_bins(y, p)
    assert [(b["lower"], b["n"]) for b in bins] == [(0.0, 2), (0.3, 2), (0.9, 2)]
    assert bins[1]["mean_predicted"] == pytest.approx(0.325) and bins[1]["fraction_positive"] == 0.5
    expected = (2 * 0.05 + 2 * abs(0.5 - 0.325) + 2 * abs(1 - 0.975)) / 6
    assert expected_calibration_error(y, p) == pytest.approx(expected)
    assert expected == pytest.approx(0.08333333)
    # perfectly calibrated within each bin: zero
    assert expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.0


def test_quality_per_missingness_pattern():
    frame = pd.DataFrame({"income": [np.nan] * 4 + [1.0] * 4, "full": np.arange(8.0)})
    y = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    p = np.array([.1, .9, .2, .8, .6, .4, .7, .3])  # right among the missing, backwards among the others
    out = by_missingness(frame, y, p, min_rows=4)
    assert set(out) == {"income"}  # a column never missing has no pattern
    assert out["income"]["missing"]["roc_auc"] == 1.0 and out["income"]["present"]["roc_auc"] == 0.0
    assert out["income"]["missing"]["n"] == 4 and out["income"]["present"]["positives"] == 2


def test_training_dates_end_their_outcome_window_by_the_decision():
    from datetime import datetime, timezone

    d = datetime(2026, 6, 30, tzinfo=timezone.utc)
    dates = training_dates(d, 90, 3, 90)
    assert [x.date().isoformat() for x in dates] == ["2025-10-03", "2026-01-01", "2026-04-01"]
    assert time_folds(3) == [([0], 1), ([0, 1], 2)]


def test_labels_and_targets():
    customers = pd.Index(["A", "B", "C"])
    bought = pd.Index(["B"])
    churn = ScoreOptions().targets()[0]
    assert labels_for(customers, bought, churn).tolist() == [1, 0, 1]
    t = propensity_target("Home & Living", 30)
    assert (t.name, t.category) == ("propensity_home_living_30d", "home & living")
    assert labels_for(customers, bought, t).tolist() == [0, 1, 0]
    assert parse_propensity("Electronics:14") == ("electronics", 14)
    assert parse_propensity("books") == ("books", 30)
    with pytest.raises(ConfigError):
        parse_propensity("books:soon")
    with pytest.raises(ConfigError):
        ScoreOptions(target_recall=1.5)


def test_protected_attributes_never_reach_the_model():
    frames = [pd.DataFrame({"gender": ["f", "m"], "birth_year": [1990, 1980], "recency_days": [1.0, 2.0],
                            "region": ["Bali", None]})]
    enc = Encoding.fit(frames)
    assert enc.columns == ["recency_days", "region"]
    x = enc.transform(frames[0].assign(region=["Bali", "Papua"]))  # an unseen level is missing
    assert x["region"].isna().tolist() == [False, True]


def test_explanations_add_up_to_the_model_output():
    rng = np.random.default_rng(0)
    n = 3000
    frames, labels = [], []
    for _ in range(3):
        f = pd.DataFrame({"recency_days": rng.exponential(60, n), "orders_90d": rng.poisson(2, n).astype(float),
                          "income": np.where(rng.random(n) < .2, np.nan, rng.lognormal(15, .5, n)),
                          "noise": rng.random(n)})
        logit = 0.03 * f.recency_days - 0.8 * f.orders_90d
        frames.append(f)
        labels.append((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8))
    score = train_score("churn", TrainingSet(list(range(3)), frames, labels))
    frame = frames[-1].iloc[:200]
    contrib = score.contributions(frame)
    raw = score.raw(frame)
    assert np.allclose(1 / (1 + np.exp(-contrib.sum(axis=1))), raw)  # SHAP values sum to the log-odds
    reasons, mean_abs = top_reasons(score, frame)
    for i in (0, 17, 199):
        r = json.loads(reasons[i])
        assert len(r) == 3
        top = np.argsort(-np.abs(contrib[i, :-1]))[:3]
        assert [x["feature"] for x in r] == [score.encoding.columns[j] for j in top]
        assert all((x["direction"] == "up") == (x["contribution"] > 0) for x in r)
    assert np.allclose(mean_abs, np.abs(contrib[:, :-1]).mean(axis=0))
    imp = dict(zip(score.encoding.columns, mean_abs))
    assert imp["noise"] < min(imp["recency_days"], imp["orders_90d"])
    assert "raises" in reasons_text(reasons[0]) or "lowers" in reasons_text(reasons[0])

"""Churn and propensity scores on the sample, against its planted truth.

The sample's customers stop buying at planted times (some long ago, most in the months around the
cut-off) and the generator knows who makes no purchase in the 90 days after the cut-off, which the
data does not hold: the models train on snapshots before the cut-off and are judged on what happened
after it, out of time.  One sample for the module (building features for six snapshots dominates).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from kenal.config import Settings
from kenal.ingest import ingest
from kenal.outputs import default_as_of
from kenal.sample import generate_sample, write_sample
from kenal.schema import protected_columns
from kenal.scores.metrics import classification_metrics, expected_calibration_error, pr_auc, roc_auc
from kenal.scores.scoring import ScoreOptions, compute_scores
from kenal.store import Store

N_CUSTOMERS = 5_000
SEED = 3  # seeds 1 and 2 pass too


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    root = tmp_path_factory.mktemp("churn")
    data = generate_sample(n_customers=N_CUSTOMERS, seed=SEED)
    write_sample(data, root / "input", root / "truth")
    settings = Settings(seed=SEED)
    with Store.open(root / "ws", settings) as store:
        ingest(store, root / "input")
        as_of = default_as_of(store)
        result = compute_scores(store, as_of, "test", ScoreOptions(propensities=(("electronics", 90),)),
                                seed=SEED, timezone=settings.timezone)
        income = store.table("customers").select("customer_id", "income").execute().set_index("customer_id").income
        tx = store.table("transactions")
        bought = tx.filter((tx.kind == "purchase") & (tx.timestamp <= as_of)).select("customer_id", "timestamp").execute()
    table = result.table.set_index("customer_id")
    truth = data.truth["churn"].set_index("customer_id").reindex(table.index)
    segments = data.truth["segments"].set_index("customer_id").segment.reindex(table.index)
    return result, table, truth, segments, income.reindex(table.index), as_of, bought


def _pr_curve(y, p):
    order = np.argsort(-p, kind="stable")
    caught = np.cumsum(y[order])
    return caught / np.arange(1, len(y) + 1), caught / y.sum()


def test_churn_finds_the_planted_churners_out_of_time(scored):
    result, table, truth, _, _, _, _ = scored
    y = truth.churned.astype(bool).to_numpy()
    p = table.churn_probability.to_numpy()
    assert 0.25 < y.mean() < 0.45  # churn after the cut-off is common enough to find and rare enough to matter
    precision, recall = _pr_curve(y, p)
    # the bar: the ranking reaches recall 0.8 while 60% of the flagged really churn
    assert recall[precision >= 0.6].max() >= 0.8
    assert roc_auc(y, p) >= 0.85
    # The threshold is set on the latest snapshot before the cut-off for recall 0.8; the cut-off's churners
    # include customers who drop in the 90 days after it, more than any earlier window held, so the
    # recall there is a little lower.
    m = classification_metrics(y, p, result.reports["churn"]["settings"]["threshold"])
    assert m["recall"] >= 0.72 and m["precision"] >= 0.6, m
    assert (table.churn_flag == (table.churn_probability >= m["threshold"])).all()


def test_churn_beats_the_logistic_baseline_on_pr_auc(scored):
    result, table, truth, _, _, _, _ = scored
    v = result.reports["churn"]["validation"]
    # out of time, on the data's own outcomes (the last snapshot whose 90 days are known)
    assert v["pr_auc"] >= v["baseline"]["pr_auc"] + 0.01, v["baseline"]
    assert v["beats_baseline"] and v["roc_auc"] > v["baseline"]["roc_auc"]
    # On the planted truth after the cut-off the two are close (the baseline reads the same BG/NBD
    # inputs, and a linear model extrapolates into the months around the cut-off, where most planted
    # churners drop, as well as trees do): the trees must not be worse.
    y = truth.churned.astype(bool).to_numpy()
    baseline = result.models["churn"].predict_baseline(result.features)
    assert pr_auc(y, table.churn_probability.to_numpy()) >= pr_auc(y, baseline) - 0.005


def test_churn_probabilities_are_calibrated(scored):
    result, table, truth, _, _, _, _ = scored
    y = truth.churned.astype(bool).to_numpy()
    assert expected_calibration_error(y, table.churn_probability.to_numpy()) <= 0.05
    v = result.reports["churn"]["validation"]
    assert v["ece"] <= 0.05
    curve = v["calibration_curve"]
    assert sum(b["n"] for b in curve) == v["n"] and len(curve) >= 8
    assert v["brier"] < v["positive_rate"] * (1 - v["positive_rate"])  # better than the base rate alone


def test_customers_without_income_are_scored_as_well(scored):
    _, table, truth, _, income, _, _ = scored
    missing = income.isna().to_numpy()
    assert 0.12 < missing.mean() < 0.18  # the sample leaves 15% of incomes out
    y = truth.churned.astype(bool).to_numpy()
    p = table.churn_probability.to_numpy()
    assert not np.isnan(p).any()
    gap = abs(roc_auc(y[missing], p[missing]) - roc_auc(y[~missing], p[~missing]))
    assert gap <= 0.05, gap


def test_the_report_shows_quality_per_missingness_pattern(scored):
    result, *_ = scored
    v = result.reports["churn"]["validation"]
    income = v["by_missingness"]["income"]
    assert income["missing"]["n"] > 0.1 * v["n"]
    assert abs(income["missing"]["roc_auc"] - income["present"]["roc_auc"]) <= 0.05


def test_settings_and_model_card_are_reported(scored):
    result, *_ = scored
    r = result.reports["churn"]
    s = r["settings"]
    assert s["lambda_l2"] in (1.0, 20.0) and s["max_depth"] in (3, 4) and 1 <= s["n_trees"] <= 200
    assert s["baseline"]["C"] in (0.01, 0.1, 1.0, 10.0) and len(s["cv"]) == 4 and len(s["baseline_cv"]) == 4
    # four snapshots 90 days apart, the latest 90 days before the cut-off: outcome windows never overlap
    dates = pd.to_datetime(s["training_snapshots"])
    assert list(np.diff(dates).astype("timedelta64[D]").astype(int)) == [90, 90, 90]
    card = r["model_card"]
    assert not set(card["features"]) & protected_columns()
    assert "income" in card["features"] and card["metrics"]["roc_auc"] == r["validation"]["roc_auc"]
    # validation trains as if deciding 90 days before the cut-off: its snapshots end 90 days before that
    v = r["validation"]
    assert v["evaluated_on"] == s["training_snapshots"][-1]
    assert (pd.Timestamp(v["evaluated_on"]) - pd.Timestamp(v["trained_on"][-1])).days == 90


def test_every_score_is_explained(scored):
    result, table, *_ = scored
    features = set(result.models["churn"].encoding.columns)
    for reasons in table.churn_reasons.iloc[::997]:
        r = json.loads(reasons)
        assert len(r) == 3 and {x["feature"] for x in r} <= features
        assert abs(r[0]["contribution"]) >= abs(r[1]["contribution"]) >= abs(r[2]["contribution"])
    importance = result.reports["churn"]["importance"]
    assert [i["mean_abs_shap"] for i in importance] == sorted((i["mean_abs_shap"] for i in importance), reverse=True)
    # what planted churn is made of: how long since the last purchase, how often the customer buys
    top = {i["feature"] for i in importance[:6]}
    assert top & {"btyd_p_purchase_90d", "btyd_p_alive", "recency_days", "recency_gap_ratio", "orders_365d"}


def test_propensity_for_electronics(scored):
    result, table, _, segments, _, _, _ = scored
    v = result.reports["propensity_electronics_90d"]["validation"]
    assert v["roc_auc"] >= 0.78 and v["ece"] <= 0.05
    p = table.propensity_electronics_90d
    # the planted gadget buyers are likelier to buy electronics than grocery regulars and window shoppers
    by_segment = p.groupby(segments).mean()
    assert by_segment["big_ticket_electronics"] > 2 * max(by_segment["online_grocery_regular"],
                                                          by_segment["window_shopper"]), by_segment
    assert table.propensity_electronics_90d_reasons.notna().all()


def test_purchase_outlook_against_the_planted_next_90_days(scored):
    _, table, truth, _, _, as_of, _ = scored
    assert table.p_alive.notna().mean() > 0.99 and table.p_alive.dropna().between(0, 1).all()
    known = table.p_alive.notna()
    assert (table.expected_purchases_90d[known] >= table.expected_purchases_30d[known]).all()
    rho = spearmanr(table.expected_purchases_90d[known], truth.purchases_next_90d[known]).statistic
    assert rho >= 0.6, rho
    dates = pd.to_datetime(table.next_purchase_date.dropna())
    assert (dates >= pd.Timestamp(as_of.date())).all()
    assert (table.clv.dropna() > 0).all()


def test_the_purchase_model_is_checked_out_of_time(scored):
    result, table, _, _, _, as_of, bought = scored
    c = result.purchase_check
    # by hand: the profiled customers who bought by the calibration end, and their purchase days after it
    day = pd.to_datetime(bought.timestamp, utc=True).dt.tz_convert("Asia/Jakarta").dt.tz_localize(None).dt.normalize()
    end = pd.Timestamp(as_of).tz_convert("Asia/Jakarta").tz_localize(None).normalize()
    start = end - pd.Timedelta(days=90)
    mine = bought.assign(day=day)[bought.customer_id.isin(table.index)]
    before = set(mine.customer_id[mine.day <= start])
    holdout = mine[mine.customer_id.isin(before) & (mine.day > start) & (mine.day <= end)]
    assert c["n_customers"] == len(before)
    assert c["actual_total"] == len(holdout.drop_duplicates(["customer_id", "day"]))
    assert sum(g["customers"] for g in c["by_frequency"]) == len(before)
    # measured 6,881 expected against 6,279 on a 3,000-customer sample: BG/NBD does not know of the
    # planted wave of customers leaving around the cut-off, so it expects a little more than happens
    assert 0.95 <= c["predicted_total"] / c["actual_total"] <= 1.2, c
    assert c["spend_actual_total"] > 0 and c["mae"] < 2


"""The report's Scores section: it shows what score_runs and scores hold for the snapshot, number for number.

The scores are made by hand and stored with save_scores (training real models takes minutes; the
models' own numbers are tested in tests/scores), on a small sample the pipeline has run on.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from kenal.config import Settings
from kenal.outputs import FEATURES
from kenal.pipeline import run
from kenal.report import write_report
from kenal.report.scores import missingness_rows, stored_scores
from kenal.sample import generate_sample, write_sample
from kenal.schema import protected_columns
from kenal.scores.metrics import by_missingness, classification_metrics
from kenal.scores.scoring import ScoreResult, save_scores
from kenal.store import Store

SEED = 5
FEATURE_NAMES = [f"input_{k:02d}" for k in range(15)]


def hand_made_scores(snapshot_id: str, as_of, customers: list[str]) -> ScoreResult:
    """A churn score validated out of time and a propensity whose validation was skipped, as
    compute_scores reports them, with numbers chosen here."""
    rng = np.random.default_rng(0)
    n = len(customers)
    y = rng.random(400) < 0.3
    p = np.clip(0.3 * y + rng.random(400) * 0.7, 0, 1)  # a good but imperfect score
    baseline = np.clip(0.15 * y + rng.random(400) * 0.85, 0, 1)
    income = pd.DataFrame({"income": np.where(np.arange(400) % 4 == 0, np.nan, 1.0),
                           "avg_rating": np.where(np.arange(400) % 4 == 0, np.nan, 2.0),  # the same pattern
                           "visit_recency_days": np.where(np.arange(400) < 30, np.nan, 3.0)})  # too few for an AUC
    validation = {"evaluated_on": "2026-04-01T16:00:00+00:00",
                  "trained_on": ["2025-04-06T16:00:00+00:00", "2025-07-05T16:00:00+00:00",
                                 "2025-10-03T16:00:00+00:00", "2026-01-01T16:00:00+00:00"],
                  **classification_metrics(y, p, 0.42),
                  "baseline": {k: v for k, v in classification_metrics(y, baseline, 0.37).items()
                               if k != "calibration_curve"} | {"C": 0.1},
                  "by_missingness": by_missingness(income, y, p)}
    validation["beats_baseline"] = validation["pr_auc"] > validation["baseline"]["pr_auc"]
    # importance as stored: largest first, with a 13th and later input the chart leaves out
    importance = [{"feature": f, "mean_abs_shap": round(1.5 / (k + 1), 4)} for k, f in enumerate(FEATURE_NAMES)]
    settings = {"model": "lightgbm", "max_depth": 4, "num_leaves": 15, "lambda_l2": 20.0, "min_child_samples": 200,
                "learning_rate": 0.05, "feature_fraction": 0.8, "bagging_fraction": 0.8, "n_trees": 137,
                "calibration": "sigmoid", "threshold": 0.2875, "target_recall": 0.8,
                "baseline": {"model": "logistic regression (L2, standardised)", "C": 0.1, "threshold": 0.31},
                "training_snapshots": ["2025-07-05T16:00:00+00:00", "2025-10-03T16:00:00+00:00",
                                       "2026-01-01T16:00:00+00:00", "2026-04-01T16:00:00+00:00"],
                "n_rows": 1234, "positive_rate": 0.3, "features": FEATURE_NAMES,
                "cv": [{"max_depth": 3, "num_leaves": 7, "lambda_l2": 1.0, "n_trees": 120, "fold_pr_auc": [0.7, 0.8],
                        "pr_auc": 0.75},
                       {"max_depth": 4, "num_leaves": 15, "lambda_l2": 20.0, "n_trees": 137,
                        "fold_pr_auc": [0.72, 0.81], "pr_auc": 0.765}],
                "baseline_cv": [{"C": 0.1, "fold_pr_auc": [0.7, 0.75], "pr_auc": 0.725}]}
    card = {"score": "churn", "predicts": "no purchase in the 90 days after the as-of date",
            "owner": "the CRM team",
            "data_window": {"training_snapshots": settings["training_snapshots"], "outcome_window_days": 90},
            "features": FEATURE_NAMES, "protected_attributes_excluded": sorted(protected_columns()),
            "metrics": {k: validation[k] for k in ("roc_auc", "pr_auc", "precision", "recall", "f1", "brier", "ece")},
            "known_limits": ["a limit written for this test"]}
    churn = {"target": card["predicts"], "horizon_days": 90, "category": None, "settings": settings,
             "importance": importance, "flagged": 7, "mean_probability": 0.3125, "validation": validation,
             "model_card": card}
    propensity = {"target": "buys electronics in the next 30 days", "horizon_days": 30, "category": "electronics",
                  "settings": settings | {"threshold": 0.05}, "importance": importance[:3], "flagged": 2,
                  "mean_probability": 0.04,
                  "validation": {"skipped": "no out-of-time validation: a reason written for this test"},
                  "model_card": card | {"predicts": "buys electronics in the next 30 days"}}
    table = pd.DataFrame({"customer_id": customers,
                          "churn_probability": np.linspace(0.05, 0.95, n), "churn_flag": np.arange(n) < 7,
                          "churn_reasons": ["[]"] * n,
                          "propensity_electronics_30d": np.linspace(0.01, 0.2, n),
                          "propensity_electronics_30d_flag": np.arange(n) < 2,
                          "propensity_electronics_30d_reasons": ["[]"] * n,
                          "p_alive": np.where(np.arange(n) == 0, np.nan, np.linspace(0.2, 1.0, n)),
                          "expected_purchases_30d": np.linspace(0.0, 1.0, n),
                          "expected_purchases_90d": np.linspace(0.0, 3.0, n),
                          "next_purchase_date": [pd.Timestamp("2026-07-15").date()] * n,
                          "clv": np.linspace(10_000.0, 5_000_000.0, n)})
    table.insert(1, "snapshot_id", snapshot_id)
    # stored in this order: the report shows churn first all the same
    purchases = {"calibration_end": "2026-04-01T00:00:00+07:00", "holdout_end": "2026-06-30T00:00:00+07:00",
                 "horizon_days": 90, "n_customers": 250, "holdout_length": 90 / 7, "mae": 1.234, "rmse": 2.0,
                 "predicted_total": 512.4, "actual_total": 498.0, "spend_mae": 1.0,
                 "spend_predicted_total": 1_000_000.0, "spend_actual_total": 987_654.0,
                 "by_frequency": [{"group": "0", "customers": 100, "actual": 0.25, "predicted": 0.3},
                                  {"group": "1+", "customers": 150, "actual": 3.153, "predicted": 3.216}]}
    return ScoreResult(snapshot_id, as_of, table, {"propensity_electronics_30d": propensity, "churn": churn},
                       purchase_check=purchases)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A sample the pipeline ran on twice: the first snapshot with stored scores, the second without."""
    root = tmp_path_factory.mktemp("scores-report")
    write_sample(generate_sample(n_customers=300, seed=SEED), root / "in", root / "truth")
    settings = Settings(seed=SEED)
    scored = run(root / "ws", settings, input_dir=root / "in")
    with Store.open(root / "ws", settings) as store:
        features = store.table(FEATURES)
        customers = features.filter(features.snapshot_id == scored.snapshot.snapshot_id).customer_id.execute()
        scores = hand_made_scores(scored.snapshot.snapshot_id, scored.snapshot.as_of, sorted(customers))
        save_scores(store, scores)
    unscored = run(root / "ws", settings)
    return root / "ws", settings, scored, unscored, scores


@pytest.fixture(scope="module")
def section(workspace):
    ws, settings, scored, _, scores = workspace
    html = write_report(ws, scored, settings).read_text(encoding="utf-8")
    assert html.count("<h2>3. Scores</h2>") == 1
    return html[html.index("<h2>3. Scores</h2>"):html.index('<p class="meta">Amounts are in')], scores


def test_the_metrics_table_shows_the_stored_numbers_beside_the_baseline(workspace, section):
    ws, settings, scored, *_ = workspace
    html, _ = section
    with Store.open(ws, settings) as store:  # what the report must show: the numbers as stored
        runs = store.table("score_runs").execute()
    stored = json.loads(runs[(runs.snapshot_id == scored.snapshot.snapshot_id) & (runs.score == "churn")].report.iloc[0])
    v = stored["validation"]
    churn = html[html.index('<section id="score-churn"'):html.index('<section id="score-propensity_electronics_30d"')]
    for key, heading in (("roc_auc", "ROC-AUC"), ("pr_auc", "PR-AUC"), ("precision", "precision"), ("recall", "recall"),
                         ("f1", "F1"), ("brier", "Brier score"), ("ece", "ECE")):
        row = re.search(rf"<tr><td>{heading}</td>\s*<td class=\"num[^\"]*\">([^<]*)</td>\s*<td class=\"num[^\"]*\">([^<]*)</td>",
                        churn)
        assert row, heading
        assert row.groups() == (f"{v[key]:.3f}", f"{v['baseline'][key]:.3f}"), heading
    assert re.search(r"<tr><td>threshold</td><td class=\"num\">0.420</td><td class=\"num\">0.370</td>", churn)
    assert f"measured on the\n{v['n']:,} customers of 2026-04-01" in churn
    assert "Trained on 1,234 rows" in " ".join(churn.split())
    # the better of the two is marked, the worse not
    assert v["pr_auc"] > v["baseline"]["pr_auc"] + 0.001
    assert f'<td class="num best">{v["pr_auc"]:.3f}</td>' in churn
    assert f'<td class="num">{v["baseline"]["pr_auc"]:.3f}</td>' in churn


def test_the_charts_show_the_calibration_bins_and_the_top_features_in_order(section):
    html, scores = section
    churn = html[html.index('<section id="score-churn"'):html.index('<section id="score-propensity_electronics_30d"')]
    curve = scores.reports["churn"]["validation"]["calibration_curve"]
    calibration = churn[churn.index('aria-label="calibration curve"'):]
    calibration = calibration[:calibration.index("</svg>")]
    assert calibration.count("<circle ") == len(curve) >= 5
    assert "stroke-dasharray" in calibration  # the diagonal
    for b in curve:  # the bin sizes are drawn and labelled
        assert f'class="small">{b["n"]:,}</text>' in calibration
    importance = churn[churn.index('aria-label="global importance"'):]
    importance = importance[:importance.index("</svg>")]
    shown = re.findall(r'class="feature">([^<]+)</text>', importance)
    assert shown == FEATURE_NAMES[:12]  # the stored order (largest mean |SHAP| first), the rest left out
    assert ">1.500</text>" in importance and "top 12 of 15 inputs" in importance


def test_missingness_patterns_settings_and_the_model_card(section):
    html, scores = section
    churn = html[html.index('<section id="score-churn"'):html.index('<section id="score-propensity_electronics_30d"')]
    groups = scores.reports["churn"]["validation"]["by_missingness"]
    m, p = groups["income"]["missing"], groups["income"]["present"]
    # income and avg_rating are missing for the same customers: one pattern, one row (stored in name order)
    assert re.search(rf"<td>avg_rating, income</td><td class=\"num\">100</td>\s*<td class=\"num\">{m['roc_auc']:.3f}</td>"
                     rf"<td class=\"num\">{p['roc_auc']:.3f}</td>", churn)
    # 30 customers without a visit: too few for an AUC
    assert re.search(r"<td>visit_recency_days</td><td class=\"num\">30</td>\s*<td class=\"num\">–</td>", churn)
    text = " ".join(churn.split())
    assert ("LightGBM: depth 4, 15 leaves, L2 20.0 on the leaf values, 137 trees" in text
            and "Baseline: logistic regression (L2, standardised), C = 0.1." in text)
    assert '<tr class="chosen"><td class="num">4</td><td class="num">15</td>' in churn
    assert f"<th>features used (15)</th><td class=\"features\">{', '.join(FEATURE_NAMES)}</td>" in churn
    assert "<td>birth_year, gender: never an input" in churn
    assert "<li>a limit written for this test</li>" in churn and "<td>the CRM team</td>" in churn
    assert ("trained on the snapshots of 2025-07-05, 2025-10-03, 2026-01-01, 2026-04-01, each with the outcome in the "
            "90 days after it") in text


def test_churn_comes_first_and_a_skipped_validation_says_why(section):
    html, _ = section
    assert html.index('id="score-churn"') < html.index('id="score-propensity_electronics_30d"')
    propensity = html[html.index('<section id="score-propensity_electronics_30d"'):]
    assert "<b>Not validated:</b> no out-of-time validation: a reason written for this test" in propensity
    assert "<table class=\"metrics\">" not in propensity and 'aria-label="calibration curve"' not in propensity
    assert re.findall(r'class="feature">([^<]+)</text>', propensity) == FEATURE_NAMES[:3]


def test_the_btyd_line_sums_the_scores_table(section):
    html, scores = section
    t = scores.table
    line = " ".join(html[html.index('<p class="outlook">'):].split("</p>")[0].split())
    assert f"mean P(alive) <b>{t.p_alive.mean():.1%}</b> over {t.p_alive.count():,} customers" in line
    assert f"<b>{t.expected_purchases_90d.sum():,.0f}</b> purchases expected in the next 90 days" in line
    assert f"total CLV <b>IDR {t.clv.sum():,.0f}</b> over the next year" in line


def test_a_snapshot_without_scores_has_no_scores_section(workspace):
    ws, settings, _, unscored, _ = workspace
    html = write_report(ws, unscored, settings).read_text(encoding="utf-8")
    assert "3. Scores" not in html and 'id="scores"' not in html
    with Store.open(ws, settings) as store:
        assert stored_scores(store, unscored.snapshot.snapshot_id) is None


def test_missingness_rows_merge_inputs_missing_for_the_same_customers():
    same = {"missing": {"n": 5, "positives": 1, "roc_auc": None, "pr_auc": None},
            "present": {"n": 95, "positives": 30, "roc_auc": 0.8, "pr_auc": 0.6}}
    other = {"missing": {"n": 60, "positives": 20, "roc_auc": 0.7, "pr_auc": 0.5},
             "present": {"n": 40, "positives": 11, "roc_auc": 0.78, "pr_auc": 0.55}}
    rows = missingness_rows({"a": same, "b": other, "c": dict(same)})
    assert [r["inputs"] for r in rows] == [["b"], ["a", "c"]]
    assert rows[0]["gap"] == pytest.approx(0.08) and rows[1]["gap"] is None


def test_the_purchase_models_out_of_time_check_is_shown(section):
    html, _ = section
    text = " ".join(html.split())
    assert ("fitted on the purchases up to 2026-04-01, the models expected <b>512</b> purchases from 250 customers "
            "in the next 90 days; they made <b>498</b> (mean absolute error 1.23 purchases per customer; spend "
            "expected IDR 1,000,000, spent IDR 987,654)") in text
    assert "<th>0</th><th>1+</th>" in text and "<td>3.15</td><td>3.22</td>" not in text
    assert "<tr><td>purchases made, mean</td><td>0.25</td><td>3.15</td></tr>" in text
    assert "<tr><td>expected, mean</td><td>0.30</td><td>3.22</td></tr>" in text
    assert 'id="score-purchases"' not in html  # a check of the BTYD models, not a classifier score


"""CDNOW, weeks 40-78: the models' conditional expectations against what customers actually bought."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kenal.scores import BetaGeoModel, GammaGammaModel, ParetoNBDModel
from kenal.scores.clv import holdout_comparison, purchase_outlook, summarise_transactions

from tests.scores.conftest import DATA


@pytest.fixture(scope="module")
def split(cdnow_transactions) -> pd.DataFrame:
    return summarise_transactions(cdnow_transactions, calibration_end="1997-09-30", holdout_end="1998-06-30")


def test_the_summary_of_the_transactions_is_the_published_one(split):
    # Weeks 1-39 end on 1997-09-30 and weeks 40-78 on 1998-06-30; same-day purchases are one purchase.
    ref = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv", index_col="ID")
    assert split.index.tolist() == ref.index.tolist()
    assert (split["frequency"] == ref["x"]).all()
    assert np.abs(split["recency"] - ref["t_x"]).max() < 0.005 + 1e-9  # the file rounds to 2 decimals
    assert np.abs(split["T"] - ref["T"]).max() < 0.005 + 1e-9
    assert np.abs(split["monetary_value"] - ref["zbar"]).max() < 0.01 + 1e-9  # zbar's rounding (one row: 0.01)
    assert split["frequency"].sum() == 2457 and split["holdout_purchases"].sum() == 1882


@pytest.mark.parametrize("model,mae,predicted", [
    # Our predictions, pinned (3 decimals) so a change to the formulas shows.
    (BetaGeoModel, 0.785, [0.225, 0.523, 1.044, 1.520, 2.164, 2.654, 3.504, 6.157]),
    (ParetoNBDModel, 0.755, [0.138, 0.599, 1.196, 1.714, 2.398, 2.907, 3.819, 6.403]),
])
def test_conditional_expectations_track_the_holdout(split, model, mae, predicted):
    """Fader, Hardie & Lee (2005, figure of conditional expectations) plot, for each number of
    purchases in weeks 1-39 (0, 1, ..., 7+), the mean number in weeks 40-78: actual, BG/NBD and
    Pareto/NBD.  Both models follow the actual curve from about 0.2 to about 6 purchases, a little
    below it at 1 and 2 purchases; the Pareto/NBD is lower than the BG/NBD at 0.

    What we assert: every group's mean prediction is within 0.4 purchases of the actual mean (the
    widest gap is the BG/NBD's at 2 purchases, 0.35 of 1.39; groups 5-6 hold only 29-38 customers),
    the predictions rise with the group as the actual means do, and the total is within 15% of the
    1,882 purchases made (both models predict about 12% too few, mostly in groups 1-2).
    """
    m = model().fit(split)
    result = holdout_comparison(m, split, holdout_length=39)
    table = result.by_frequency
    assert table["group"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["customers"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert table["actual"].round(3).tolist() == [0.237, 0.697, 1.393, 1.560, 2.532, 2.947, 3.862, 6.359]
    assert table["predicted"].tolist() == pytest.approx(predicted, abs=1e-3)
    assert (np.abs(table["predicted"] - table["actual"]) < 0.4).all()
    assert table["predicted"].is_monotonic_increasing
    assert result.actual_total == 1882 and abs(result.predicted_total / 1882 - 1) < 0.15
    assert result.mae == pytest.approx(mae, abs=1e-3)


def test_clv_error_against_holdout_spend(split):
    m, spend = BetaGeoModel().fit(split), GammaGammaModel().fit(split)
    result = holdout_comparison(m, split, holdout_length=39, spend_model=spend)
    assert result.spend_actual_total == pytest.approx(70_976.39)
    # Undiscounted value of the holdout purchases: $59,900 predicted for $71,000 spent; the 12% gap is
    # the purchase count's (spend per purchase is right on average).
    assert result.spend_predicted_total == pytest.approx(59_932, rel=1e-3)
    assert result.spend_mae == pytest.approx(30.41, abs=0.01)
    assert set(result.to_dict()) >= {"mae", "rmse", "by_frequency", "spend_mae"}


def test_purchase_outlook(split):
    m, spend = BetaGeoModel().fit(split), GammaGammaModel().fit(split)
    out = purchase_outlook(m, split, unit_days=7, as_of="1997-09-30", spend_model=spend)
    assert list(out.columns) == ["p_alive", "expected_purchases_30d", "expected_purchases_90d", "next_purchase_days",
                                 "next_purchase_date", "expected_spend", "clv"]
    first = out.loc[1]  # 2 repeat purchases, the last in week 30.43 of 38.86
    assert first["p_alive"] == pytest.approx(0.7266, abs=1e-4)
    assert first["expected_purchases_90d"] == pytest.approx(m.expected_purchases(90 / 7, split.loc[[1]])[0])
    wait = pd.Timedelta(days=int(first["next_purchase_days"]))
    assert first["next_purchase_date"] == pd.Timestamp("1997-09-30") + wait
    assert out["next_purchase_date"].isna().sum() == (out["next_purchase_days"] > 36_525).sum() > 0
    assert (out["clv"] > 0).all() and (out["expected_purchases_90d"] > out["expected_purchases_30d"]).all()

"""Planted behaviour shifts (generate_sample(shift_share=...)): who moves, when, and that they behave
as their old segment before and as the new one after, while everybody else is left as they were."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kenal.errors import ConfigError
from kenal.sample import generate_sample, write_sample, write_sample_chunked
from kenal.sample.__main__ import main
from kenal.sample.segments import NAMES, SEGMENTS

N, SEED, SHARE = 10_000, 4, 0.04
SHIFT = pd.Timestamp("2026-02-01")  # the default: four months before the cut-off's month (June 2026)
HISTORY = pd.Timestamp("2024-07-01")  # the sample's first day
END = pd.Timestamp("2026-07-01")  # the day after the cut-off


@pytest.fixture(scope="module")
def pair():
    return (generate_sample(N, seed=SEED, defects=False, shift_share=SHARE),
            generate_sample(N, seed=SEED, defects=False))


def _purchases(data) -> pd.DataFrame:
    tx = data.tables["transactions"]
    tx = tx[tx.kind == "purchase"]
    return pd.DataFrame({"customer_id": tx.customer_id.astype(str).to_numpy(),
                         "transaction_id": tx.transaction_id.astype(str).to_numpy(),
                         "day": pd.to_datetime(tx.timestamp.astype(str).str[:10]).to_numpy()})


def _monthly_rate(data, ids, lo: pd.Timestamp, hi: pd.Timestamp) -> float:
    """Purchases per 30 days over the customers' time as customers within [lo, hi)."""
    created = pd.to_datetime(data.tables["customers"].set_index("customer_id").created_at.astype(str).str[:10])
    start = created.reindex(list(ids)).clip(lower=lo)
    months = ((hi - start).dt.days.clip(lower=0) / 30).sum()
    p = _purchases(data)
    p = p[p.customer_id.isin(ids) & (p.day >= lo) & (p.day < hi)]
    return len(p[p.day >= start.reindex(p.customer_id).to_numpy()]) / months


def _profile_mean(segment: str) -> float:
    """A segment's mean purchases per 30 days: the mean of its lognormal."""
    median, sigma = SEGMENTS[NAMES.index(segment)].rate30
    return median * np.exp(sigma ** 2 / 2)


def test_the_movers_are_established_customers_of_the_source_segment(pair):
    on, _ = pair
    shifts = on.truth["shifts"]
    assert list(shifts.columns) == ["customer_id", "from_segment", "to_segment", "shift_date"]
    assert shifts.groupby(["from_segment", "to_segment"]).size().to_dict() == {
        ("online_grocery_regular", "window_shopper"): 200, ("window_shopper", "online_grocery_regular"): 200}
    assert set(shifts.shift_date) == {"2026-02-01"} and shifts.customer_id.is_unique
    segments = on.truth["segments"].set_index("customer_id")
    assert (segments.segment.loc[shifts.customer_id].to_numpy() == shifts.from_segment.to_numpy()).all()
    assert not segments.outlier.loc[shifts.customer_id].any()
    created = pd.to_datetime(on.tables["customers"].set_index("customer_id").created_at.astype(str).str[:10])
    assert (created.loc[shifts.customer_id] <= SHIFT - pd.Timedelta(days=182)).all()


@pytest.mark.parametrize("source, target, tolerance_after", [
    ("window_shopper", "online_grocery_regular", 0.1),
    ("online_grocery_regular", "window_shopper", 0.25),  # ~100 purchases in all after the shift
])
def test_movers_buy_at_their_old_profiles_rate_before_and_the_new_ones_after(pair, source, target,
                                                                              tolerance_after):
    on, off = pair
    shifts = on.truth["shifts"]
    movers = set(shifts.customer_id[shifts.from_segment == source].astype(str))
    before, after = _monthly_rate(on, movers, HISTORY, SHIFT), _monthly_rate(on, movers, SHIFT, END)
    assert before == pytest.approx(_profile_mean(source), rel=0.1)
    assert after == pytest.approx(_profile_mean(target), rel=tolerance_after)
    ratio = max(after / before, before / after)
    assert ratio > 10  # profiles 18x apart
    # without the option the same customers keep their old rate after February
    assert _monthly_rate(off, movers, SHIFT, END) == pytest.approx(_profile_mean(source), rel=0.25)
    # ... and they do not drop out: they buy on at the new rate in the 90 days after the cut-off
    churn = on.truth["churn"].set_index("customer_id").purchases_next_90d.loc[list(movers)]
    assert churn.mean() / 3 == pytest.approx(_profile_mean(target), rel=0.3)


def test_movers_baskets_change_category(pair):
    on, _ = pair
    items = on.tables["transaction_items"]
    products = on.tables["products"].set_index("product_id").category
    grocery = pd.Series((products.loc[items.product_id].to_numpy() == "groceries"), index=items.transaction_id.astype(str))
    p = _purchases(on).set_index("transaction_id")
    shifts = on.truth["shifts"]
    for source, low_then in (("window_shopper", True), ("online_grocery_regular", False)):
        movers = set(shifts.customer_id[shifts.from_segment == source].astype(str))
        mine = p[p.customer_id.isin(movers)]
        share = {when: grocery.loc[mine.index[part]].mean()
                 for when, part in (("before", mine.day < SHIFT), ("after", mine.day >= SHIFT))}
        low, high = (share["before"], share["after"]) if low_then else (share["after"], share["before"])
        assert low < 0.15 and high > 0.6, (source, share)


def test_everybody_else_is_left_as_they_were(pair):
    on, off = pair
    for name in ("customers", "consents", "interactions", "products", "fx_rates", "external"):
        pd.testing.assert_frame_equal(on.tables[name], off.tables[name])
    for name in ("segments", "texts"):
        pd.testing.assert_frame_equal(on.truth[name], off.truth[name])
    assert "shifts" not in off.truth
    # Purchases are drawn again (the draws are shared out differently), from the same rates.
    movers = set(on.truth["shifts"].customer_id.astype(str))
    segment = on.truth["segments"].set_index("customer_id").segment
    counts = {}
    for label, data in (("on", on), ("off", off)):
        p = _purchases(data)
        p = p[~p.customer_id.isin(movers)]
        counts[label] = p.groupby(segment.loc[p.customer_id].to_numpy()).size()
    assert counts["on"].sum() / counts["off"].sum() == pytest.approx(1, abs=0.01)
    assert ((counts["on"] / counts["off"] - 1).abs() < 0.05).all(), counts


def test_shifts_are_written_with_the_truth(pair, tmp_path):
    on, _ = pair
    write_sample(on, tmp_path / "in", tmp_path / "truth", fmt="csv")
    written = pd.read_csv(tmp_path / "truth" / "shifts.csv", dtype=str)
    assert written.equals(on.truth["shifts"].astype(str).astype(object))


def test_the_cli_and_the_chunked_writer_plant_shifts(tmp_path):
    assert main(["--customers", "1000", "--seed", "2", "--out", str(tmp_path / "cli"), "--no-defects",
                 "--shift-share", "0.05", "--shift-month", "2026-03"]) == 0
    shifts = pd.read_csv(tmp_path / "cli" / "truth" / "shifts.csv")
    assert len(shifts) == 50 and set(shifts.shift_date) == {"2026-03-01"}
    write_sample_chunked(1000, tmp_path / "ch" / "in", tmp_path / "ch" / "truth", chunk_customers=500, seed=2,
                         defects=False, shift_share=0.05)
    chunked = pd.read_csv(tmp_path / "ch" / "truth" / "shifts.csv")
    assert len(chunked) == 50 and chunked.customer_id.is_unique  # 25 per chunk of 500: 13 + 12


@pytest.mark.parametrize("options, message", [
    ({"shift_share": 1.5}, "shift_share must be a share between 0 and 1, got 1.5"),
    ({"shift_share": 0.1, "shift_month": "Feb 2026"}, "shift_month must be a month like 2026-02, got 'Feb 2026'"),
    ({"shift_share": 0.1, "shift_month": "2026-06"},
     "shift_month must lie between 2025-01 and 2026-05 (half a year of history before it, a month after it), "
     "got 2026-06"),
    ({"shift_share": 0.1, "shift_moves": [("window_shopper", "big_spender")]},
     "unknown segment 'big_spender' in shift move ('window_shopper', 'big_spender'); segments: "
     + ", ".join(NAMES)),
    ({"shift_share": 0.1, "shift_moves": []}, "shift_moves must list at least one (from_segment, to_segment) pair"),
    ({"shift_share": 0.1, "shift_moves": [("window_shopper", "lapsed")]},
     "customers cannot move from window_shopper to lapsed: the target must be another segment, not one of "
     "lapsed, new_customer"),
])
def test_bad_shift_options_say_what_is_wrong(options, message):
    with pytest.raises(ConfigError) as exc:
        generate_sample(50, seed=0, **options)
    assert str(exc.value) == message

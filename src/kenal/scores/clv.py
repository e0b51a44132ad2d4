"""From transactions to a customer summary, customer lifetime value and the next purchase, and the
check of a purchase model against what customers actually did in a holdout period."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kenal.errors import ConfigError, SourceError
from kenal.scores._mle import check_rfm
from kenal.scores.bgnbd import BetaGeoModel
from kenal.scores.gammagamma import GammaGammaModel, check_spend
from kenal.scores.paretonbd import ParetoNBDModel

MAX_WAIT_DAYS = 36_525  # a next purchase a century away gets no date (and pandas stops at 2262)
MODELS = {"bgnbd": BetaGeoModel, "paretonbd": ParetoNBDModel, "gammagamma": GammaGammaModel}
# Column names accepted for a summary, after lower-casing and dropping everything but letters and
# digits: ours, and those of Fader & Hardie's files and the R package BTYD (x, t_x, T.cal, zbar).
_ALIASES = {"frequency": ("frequency", "x"), "recency": ("recency", "tx"), "T": ("t", "tcal", "age"),
            "monetary_value": ("monetaryvalue", "monetary", "zbar", "mx")}


def summarise_transactions(transactions: pd.DataFrame, *, customer: str = "customer_id",
                           timestamp: str = "timestamp", amount: str = "amount",
                           calibration_end, holdout_end=None, unit_days: float = 7.0) -> pd.DataFrame:
    """One row per customer who bought by ``calibration_end``: frequency, recency, T (in units of
    ``unit_days`` days, from whole days), monetary_value (mean value of the repeat purchases); with
    ``holdout_end``, also holdout_purchases and holdout_spend in (calibration_end, holdout_end].

    Purchases on the same day count as one purchase (their amounts add up), as in Fader, Hardie &
    Lee (2005), whose CDNOW summary this reproduces.  Both ends are inclusive days.
    """
    t = transactions[[customer, timestamp, amount]].copy()
    t["day"] = pd.to_datetime(t[timestamp]).dt.normalize()
    if t["day"].dt.tz is not None:
        t["day"] = t["day"].dt.tz_localize(None)
    days = t.groupby([customer, "day"], as_index=False)[amount].sum()
    end = pd.Timestamp(calibration_end).normalize()
    first = days.groupby(customer)["day"].min().rename("first")
    days = days.join(first, on=customer)
    cal = days[(days["day"] <= end) & (days["first"] <= end)]
    repeat = cal[cal["day"] > cal["first"]]
    g = cal.groupby(customer)
    out = pd.DataFrame({"frequency": g.size() - 1,
                        "recency": (g["day"].max() - g["first"].min()).dt.days / unit_days,
                        "T": (end - g["first"].min()).dt.days / unit_days})
    out["monetary_value"] = repeat.groupby(customer)[amount].mean().reindex(out.index).fillna(0.0)
    if holdout_end is not None:
        hold = days[(days["day"] > end) & (days["day"] <= pd.Timestamp(holdout_end).normalize())]
        out["holdout_purchases"] = hold.groupby(customer).size().reindex(out.index, fill_value=0)
        out["holdout_spend"] = hold.groupby(customer)[amount].sum().reindex(out.index, fill_value=0.0)
    return out


def read_summary(path: Path, model: str) -> pd.DataFrame:
    """A per-customer summary file (CSV or Parquet) with the columns the model needs, checked."""
    if model not in MODELS:
        raise ConfigError(f"--model '{model}' is not a model; expected bgnbd, paretonbd or gammagamma")
    path = Path(path)
    if not path.is_file():
        raise SourceError(str(path), "does not exist", expected="a CSV or Parquet file with one row per customer")
    try:
        frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's problem
        from kenal.errors import first_line

        raise SourceError(str(path), f"cannot be read ({first_line(exc)})",
                          expected="a CSV or Parquet file with one row per customer") from None
    found = {"".join(ch for ch in str(c).lower() if ch.isalnum()): c for c in frame.columns}
    needed = ["frequency", "monetary_value"] if model == "gammagamma" else ["frequency", "recency", "T"]
    columns = {}
    for name in needed:
        match = next((found[a] for a in _ALIASES[name] if a in found), None)
        if match is None:
            raise SourceError(str(path), "is missing", column=name,
                              expected=f"the columns {', '.join(needed)}; found {', '.join(map(str, frame.columns))}")
        columns[name] = frame[match]
    summary = pd.DataFrame(columns)
    if model == "gammagamma":
        check_spend(summary["frequency"], summary["monetary_value"], source=str(path))
    else:
        check_rfm(summary["frequency"], summary["recency"], summary["T"], source=str(path))
    return summary


def fit_summary(path: Path, model: str) -> dict:
    """``kenal clv fit``: fit one model on a summary file; the estimates, standard errors, log-likelihood."""
    summary = read_summary(path, model)
    fitted = MODELS[model]().fit(summary)
    return {"input": str(path), "n_rows": len(summary)} | fitted.to_dict()


@dataclass
class HoldoutComparison:
    """A purchase model's predictions against what customers did in the holdout period."""

    n_customers: int
    holdout_length: float
    mae: float                # mean absolute error per customer (purchases)
    rmse: float
    predicted_total: float
    actual_total: float
    by_frequency: pd.DataFrame  # frequency group (0, 1, ..., "7+"), customers, actual, predicted (means)
    spend_mae: float | None = None  # with a spend model: value of the holdout purchases, undiscounted
    spend_predicted_total: float | None = None
    spend_actual_total: float | None = None

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("n_customers", "holdout_length", "mae", "rmse", "predicted_total",
                                              "actual_total", "spend_mae", "spend_predicted_total",
                                              "spend_actual_total")}
        return out | {"by_frequency": self.by_frequency.to_dict(orient="records")}


def holdout_comparison(model, summary: pd.DataFrame, holdout_length: float, *, max_group: int = 7,
                       spend_model: GammaGammaModel | None = None) -> HoldoutComparison:
    """The conditional-expectation check of Fader, Hardie & Lee (2005): each customer's expected
    purchases in the holdout period against the actual number, per customer and as the mean by
    calibration frequency (0, 1, ..., max_group+).  ``summary`` comes from ``summarise_transactions``
    with a ``holdout_end``; with ``spend_model``, also the value of the holdout purchases."""
    predicted = model.expected_purchases(holdout_length, summary)
    actual = summary["holdout_purchases"].to_numpy(dtype=float)
    group = np.minimum(summary["frequency"].to_numpy(dtype=int), max_group)
    table = (pd.DataFrame({"group": group, "actual": actual, "predicted": predicted})
             .groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                   predicted=("predicted", "mean")).reset_index())
    table["group"] = [f"{g}+" if g == max_group else str(g) for g in table["group"]]
    result = HoldoutComparison(len(actual), float(holdout_length), float(np.mean(np.abs(predicted - actual))),
                               float(np.sqrt(np.mean((predicted - actual) ** 2))), float(predicted.sum()),
                               float(actual.sum()), table)
    if spend_model is not None:
        value = predicted * spend_model.expected_spend(summary)
        spent = summary["holdout_spend"].to_numpy(dtype=float)
        result.spend_mae = float(np.mean(np.abs(value - spent)))
        result.spend_predicted_total, result.spend_actual_total = float(value.sum()), float(spent.sum())
    return result


def purchase_outlook(model, summary: pd.DataFrame, *, unit_days: float, as_of=None,
                     windows_days: tuple[int, ...] = (30, 90), spend_model: GammaGammaModel | None = None,
                     horizon_days: float = 365.0, annual_discount_rate: float = 0.10) -> pd.DataFrame:
    """Per customer: p_alive, expected purchases in the next 30 and 90 days, the median wait for the
    next purchase in days (inf when the chance of buying again is 50% or less) and, with ``as_of``,
    its date (NaT when the wait is infinite or over a century); with ``spend_model``, the expected
    spend per purchase and the CLV over ``horizon_days`` discounted at ``annual_discount_rate``
    (weekly steps)."""
    out = pd.DataFrame(index=summary.index)
    out["p_alive"] = model.p_alive(summary)
    for days in windows_days:
        out[f"expected_purchases_{days}d"] = model.expected_purchases(days / unit_days, summary)
    wait = model.next_purchase_time(summary) * unit_days
    out["next_purchase_days"] = wait
    if as_of is not None:
        finite = wait <= MAX_WAIT_DAYS
        dates = pd.Series(pd.NaT, index=summary.index, dtype="datetime64[ns]")
        dates[finite] = pd.Timestamp(as_of) + pd.to_timedelta(wait[finite], unit="D")
        out["next_purchase_date"] = dates.dt.normalize()
    if spend_model is not None:
        spend = spend_model.expected_spend(summary)
        step = 7 / unit_days  # one week in the summary's unit
        rate = (1 + annual_discount_rate) ** (unit_days / 365.25) - 1  # per unit of time
        out["expected_spend"] = spend
        out["clv"] = model.clv(summary, spend=spend, horizon=horizon_days / unit_days, discount_rate=rate, step=step)
    return out

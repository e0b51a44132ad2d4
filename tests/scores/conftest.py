from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"  # the CDNOW sample; provenance in data/README.md


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """ID, frequency, recency, T (weeks) over the 39-week calibration period, 2,357 customers."""
    return pd.read_csv(DATA / "cdnow_customers_summary.csv", index_col="ID")


@pytest.fixture(scope="session")
def cdnow_spend() -> pd.DataFrame:
    """frequency and monetary_value (mean value of the repeat purchases) per customer."""
    raw = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv", index_col="ID")
    return pd.DataFrame({"frequency": raw["x"], "monetary_value": raw["zbar"]})


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    t = pd.read_csv(DATA / "CDNOW_sample.txt", sep=r"\s+", header=None, dtype={"date": str},
                    names=["master_id", "customer_id", "date", "cds", "amount"])
    t["timestamp"] = pd.to_datetime(t["date"], format="%Y%m%d")
    return t

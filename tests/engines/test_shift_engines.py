"""Behaviour shifts on DuckDB, PostgreSQL and Spark: the hand-computed shop of tests/temporal/test_shifts.py
gives the same tested customers, change dates and p-values, stores the same rows, and the rule field
reads them on every engine."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from kenal.config import Settings
from kenal.features import build_features
from kenal.ingest import ingest
from kenal.rules import RuleSegments
from kenal.store import Store
from kenal.temporal.shifts import BEHAVIOUR_SHIFTS, behaviour_shifts, store_behaviour_shifts
from tests.engines.conftest import ENGINES
from tests.temporal.test_shifts import AS_OF, WEEK, write_shop


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("shift-shop")
    with Store.open(root / "ws", Settings(consent_default="grant")) as store:
        ingest(store, write_shop(root / "in"))
        return {"customers": store.table("customers").to_pyarrow(),
                "transactions": store.table("transactions").to_pyarrow(),
                "features": build_features(store, AS_OF).mutate(snapshot_id=ibis.literal("S")).to_pyarrow()}


@pytest.mark.parametrize("engine_overrides", ENGINES, indirect=True)
def test_shifts_are_the_same_on_every_engine(engine_overrides, shop, tmp_path):
    with Store.open(tmp_path / "ws", Settings(consent_default="grant", **engine_overrides)) as store:
        for name, data in shop.items():
            store.write(name, data)
        found = behaviour_shifts(store, AS_OF)
        assert store_behaviour_shifts(store, "S", AS_OF, store.table("features").select("customer_id")) == 3
        stored = store.table(BEHAVIOUR_SHIFTS).execute().sort_values("customer_id")
        model = RuleSegments([{"name": "Up", "rule": 'behaviour_shift("up", days=71) == 1'}]).fit()
        t = model.with_windows(store, AS_OF, store.table("features"))
        got = t.select("customer_id", s=model.assign_expression(t)).execute()
    assert found.customer_id.tolist() == ["D1", "L1", "S1", "U1"]
    assert found["shift"].tolist() == [True, True, False, True]
    assert found.change_date.tolist()[:2] == [AS_OF - 10 * WEEK, AS_OF - 9 * WEEK]
    assert found.p_value.tolist() == pytest.approx([1.549834e-11, 1.947370e-08, 1.0, 1.875012e-18], rel=1e-5)
    assert stored.customer_id.tolist() == ["D1", "L1", "U1"] and set(stored.snapshot_id) == {"S"}
    assert pd.to_datetime(stored.change_date, utc=True).tolist() == [AS_OF - 10 * WEEK, AS_OF - 9 * WEEK,
                                                                    AS_OF - 10 * WEEK]
    assert set(got.customer_id[got.s == 0]) == {"L1", "U1"}

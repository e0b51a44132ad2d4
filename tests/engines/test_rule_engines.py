"""Rule segments on DuckDB, PostgreSQL and Spark: every function's window value and every rule's
customers are the hand-computed ones (tests/rules/rule_shop.py) on each engine, hence identical."""

from __future__ import annotations

import pytest

from kenal.config import Settings
from kenal.features import build_features
from kenal.ingest import ingest
from kenal.rules import RuleSegments, condition, field_types, parse_rule
from kenal.rules.check import check
from kenal.rules.windows import call_columns, with_windows
from kenal.store import Store
from tests.engines.conftest import ENGINES
from tests.rules.rule_shop import AS_OF, EXPECTED, RULES, write_shop


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict:
    """The tables the rules read, ingested once: ingest and features are compared across engines by
    test_engines.py, and ingesting on Spark would take minutes."""
    root = tmp_path_factory.mktemp("rule-shop")
    with Store.open(root / "ws", Settings(consent_default="grant")) as store:
        ingest(store, write_shop(root / "in"))
        return {"events": store.table("events").to_pyarrow(), "transactions": store.table("transactions").to_pyarrow(),
                "features": build_features(store, AS_OF).to_pyarrow()}


@pytest.mark.parametrize("engine_overrides", ENGINES, indirect=True)
def test_every_rule_evaluates_identically_on_every_engine(engine_overrides, shop, tmp_path):
    with Store.open(tmp_path / "ws", Settings(consent_default="grant", **engine_overrides)) as store:
        for name, data in shop.items():
            store.write(name, data)
        features = store.table("features")
        rules = [parse_rule(text) for text in RULES]
        counted = [parse_rule(f"{text} >= 0").calls[0] for text in EXPECTED]
        calls = [*counted, *(call for rule in rules for call in rule.calls)]
        t = with_windows(store, AS_OF, features, calls)
        columns, fields = call_columns(calls), field_types(t.schema())
        for rule in rules:
            check(rule, fields)
        got = t.select("customer_id", *[columns[c] for c in counted],
                       **{f"rule_{i}": condition(rule, t, columns) for i, rule in enumerate(rules)}).execute()
        # the segmentation as a run assigns it: first match, materialised by the engine
        model = RuleSegments([{"name": "Hot", "rule": 'visits("Product Viewed", days=7) >= 1'},
                              {"name": "Quiet", "rule": "orders(days=30) == 0"}]).fit()
        windows = model.with_windows(store, AS_OF, features)
        assigned = store.materialise(windows.select("customer_id", segment_id=model.assign_expression(windows)))
        assigned = dict(assigned.execute().sort_values("customer_id").itertuples(index=False))
    got = got.set_index("customer_id").sort_index()
    assert {text: got[columns[call]].to_dict() for text, call in zip(EXPECTED, counted)} == EXPECTED
    assert {text: set(got.index[got[f"rule_{i}"]]) for i, text in enumerate(RULES)} == RULES
    assert assigned == {"C1": 0, "C2": 0, "C3": 1}

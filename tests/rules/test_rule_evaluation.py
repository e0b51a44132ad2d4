"""Rules evaluated by DuckDB against a shop whose every count is known by hand (tests/rules/rule_shop.py)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kenal.config import Settings
from kenal.features import build_features
from kenal.ingest import ingest
from kenal.outputs import ASSIGNMENTS
from kenal.pipeline import run
from kenal.rules import RuleError, RuleSegments, parse_rule
from kenal.rules.windows import call_columns, with_windows
from kenal.segmentations.spec import spec
from kenal.store import Store
from tests.rules.rule_shop import AS_OF, EXPECTED, RULES, write_shop


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return write_shop(tmp_path_factory.mktemp("rules") / "in")


@pytest.fixture(scope="module")
def store(shop, tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("ws"), Settings(consent_default="grant"))
    ingest(s, shop)
    yield s
    s.close()


@pytest.fixture(scope="module")
def features(store):
    return store.materialise(build_features(store, AS_OF))


def selected(store, features, rule: str) -> set[str]:
    model = RuleSegments([{"name": "Match", "rule": rule}]).fit()
    t = model.with_windows(store, AS_OF, features)
    got = t.select("customer_id", segment_id=model.assign_expression(t)).execute()
    return set(got.customer_id[got.segment_id == 0])


def test_each_function_counts_its_window_by_hand(store, features):
    """(as_of - days, as_of]: an event exactly days before is out, one at as_of is in; bots are not
    counted, anonymous events count for the customer they were linked to, names are exact, paths not."""
    calls = [parse_rule(f"{text} >= 0").calls[0] for text in EXPECTED]
    columns = call_columns(calls)
    values = with_windows(store, AS_OF, features, calls).execute().set_index("customer_id")
    got = {text: values[columns[call]].to_dict() for text, call in zip(EXPECTED, calls)}
    assert got == EXPECTED
    assert values[columns[calls[0]]].dtype == "int64" and values[columns[calls[8]]].dtype == "float64"


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_selects_the_customers_by_hand(store, features, rule):
    assert selected(store, features, rule) == RULES[rule]


def test_a_customer_gets_the_first_segment_whose_rule_holds(store, features):
    model = RuleSegments([
        {"name": "Hot browsers", "rule": 'visits("Product Viewed", days=7) >= 1'},  # C1, C2
        {"name": "Big spenders", "rule": "lifetime_value > 500_000"},  # C1, C2: already taken
        {"name": "Silent", "rule": "orders(days=100) == 0"},  # C3
    ], default="Others").fit()
    assert model.segment_names_ == ["Hot browsers", "Big spenders", "Silent", "Others"]
    assert model.calls_ == (parse_rule('visits("Product Viewed", days=7) > 0').calls[0],
                            parse_rule("orders(days=100) > 0").calls[0])
    t = model.with_windows(store, AS_OF, features)
    got = t.select("customer_id", segment_id=model.assign_expression(t)).order_by("customer_id").execute()
    assert got.segment_id.tolist() == [0, 0, 2]


def test_no_rule_holds_gives_the_default(store, features):
    model = RuleSegments([{"name": "Nobody", "rule": "orders(days=1) > 5"}]).fit()
    t = model.with_windows(store, AS_OF, features)
    assert t.select(s=model.assign_expression(t)).execute().s.tolist() == [1, 1, 1]


def test_an_unknown_field_is_found_against_the_feature_table_with_the_known_names(store, features):
    model = RuleSegments([{"name": "Big", "rule": "orders(days=30) == 0 and lifetim_value > 5"}],
                         where="[segmentations.campaigns]").fit()  # parses: fields are not known yet
    t = model.with_windows(store, AS_OF, features)
    with pytest.raises(RuleError) as exc:
        model.assign_expression(t)
    message = str(exc.value)
    prefix = ("[segmentations.campaigns] segment 'Big': unknown field 'lifetim_value' at column 26 of "
              "`orders(days=30) == 0 and lifetim_value > 5`; did you mean lifetime_value? known fields: ")
    assert message.startswith(prefix)
    known = message[len(prefix):].split(", ")
    assert known == sorted(known)
    assert {"lifetime_value", "lifetime_orders", "monetary", "frequency", "recency_days", "region",
            "avg_rating", "product_views", "main_platform"} <= set(known)
    assert not {"customer_id", "_rule_call_0"} & set(known)  # ids and the calls' columns are no fields


@pytest.mark.parametrize("rule, message", [
    ("region > 5", "cannot compare text (region) with a number (5) at column 8 of `region > 5`"),
    ('monetary == "high"', "cannot compare a number (monetary) with text (\"high\") at column 10 of "
                           "`monetary == \"high\"`"),
    ("region + 1 > 5", "'+' needs numbers, found text (region) at column 1 of `region + 1 > 5`"),
    ("not lifetime_value", "not needs a condition, found a number (lifetime_value) at column 5 of "
                           "`not lifetime_value`"),
    ("lifetime_value", "a rule must be a condition, found a number at column 1 of `lifetime_value`; "
                       "compare it, e.g. lifetime_value > 5_000_000"),
])
def test_parts_that_do_not_fit_the_fields_types(store, features, rule, message):
    model = RuleSegments([{"name": "X", "rule": rule}]).fit()
    with pytest.raises(RuleError) as exc:
        model.assign_expression(features)
    assert str(exc.value) == f"segment 'X': {message}"


def test_assigning_without_the_windows_says_how(features):
    model = RuleSegments([{"name": "X", "rule": "orders(days=7) > 0"}]).fit()
    with pytest.raises(ValueError, match=r"with_windows\(store, as_of, table\), which adds _rule_call_0"):
        model.assign_expression(features)


def test_predict_on_a_frame_for_rules_over_fields_only():
    frame = pd.DataFrame({"customer_id": ["A", "B", "C"], "monetary": [10.0, 0.0, None]})
    model = RuleSegments([{"name": "Buyer", "rule": "lifetime_value > 0"}])
    assert model.fit_predict(frame).tolist() == [0, 1, 1]


def test_a_run_assigns_and_records_rule_segments(shop, tmp_path):
    segments = [{"name": "Hot browsers", "rule": 'visits("Product Viewed", days=7) >= 3'},
                {"name": "Big spenders", "rule": "lifetime_value > 500_000"}]
    settings = Settings(consent_default="grant", segmentations=(spec("campaigns", "rules", segments=segments),))
    result = run(tmp_path / "ws", settings, input_dir=shop, as_of=AS_OF)
    (campaigns,) = result.segmentations
    assert (campaigns.kind, campaigns.method) == ("rules", "rules")
    assert [(p.name, p.size) for p in campaigns.segments] == [("Hot browsers", 1), ("Big spenders", 1),
                                                              ("Everyone else", 1)]
    assert campaigns.reason == ("Rules written in kenal.toml: a customer gets the first of 2 segments whose rule "
                                "holds; the rest are Everyone else.")
    with Store.open(tmp_path / "ws", settings) as store:
        assigned = store.table(ASSIGNMENTS).execute().sort_values("customer_id")
        runs = store.table("segmentation_runs").execute()
    assert assigned.segment_name.tolist() == ["Hot browsers", "Big spenders", "Everyone else"]
    assert json.loads(runs.model.iloc[0]) == {"segments": segments, "default": "Everyone else",
                                              "segment_names": ["Hot browsers", "Big spenders", "Everyone else"]}

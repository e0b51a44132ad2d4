"""Behaviour shifts on a hand-made shop: the weekly counts, the change week, the rule field, the run.

As of 2026-03-01 00:00 UTC, weeks run back from as_of (week k: the k-th 7 days before it):

=====  ================================================  =====================================
S1     one purchase every week, k = 0..40                 40 whole weeks of data (k = 40 is out)
U1     nothing, then 3 a week in k = 0..9                 up 10 weeks (70 days) before as_of
D1     3 a week in k = 10..39, then nothing               down 70 days before as_of
L1     joined 25 weeks + 3 days ago: 1 a week in k=9..24, up 9 weeks (63 days) before as_of;
       then 5 a week in k = 0..8                          its history is 25 weeks, not 40
N1     joined 12 weeks ago, 2 a week since                too short a history: not tested
C3     nothing                                            not tested
=====  ================================================  =====================================
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from scipy.stats import chi2

from kenal.config import Settings
from kenal.features import build_features
from kenal.ingest import ingest
from kenal.outputs import ASSIGNMENTS, FEATURES
from kenal.pipeline import run
from kenal.rules import RuleError, RuleSegments, parse_rule
from kenal.rules.windows import call_columns, with_windows
from kenal.segmentations.spec import spec
from kenal.store import Store
from kenal.temporal.shifts import BEHAVIOUR_SHIFTS, behaviour_shifts, min_purchases
from tests.conftest import write_csv

AS_OF = datetime(2026, 3, 1, tzinfo=timezone.utc)
WEEK, DAY = timedelta(days=7), timedelta(days=1)
JOINED = {"S1": AS_OF - 60 * WEEK, "U1": AS_OF - 60 * WEEK, "D1": AS_OF - 60 * WEEK,
          "L1": AS_OF - 25 * WEEK - 3 * DAY, "N1": AS_OF - 12 * WEEK + DAY, "C3": AS_OF - 60 * WEEK}


def _purchases() -> list[tuple[str, datetime]]:
    rows = [("S1", AS_OF - k * WEEK - DAY) for k in range(41)]
    rows += [("U1", AS_OF - k * WEEK - j * DAY) for k in range(10) for j in (1, 2, 3)]
    rows += [("D1", AS_OF - k * WEEK - j * DAY) for k in range(10, 40) for j in (1, 2, 3)]
    rows += [("L1", AS_OF - k * WEEK - DAY) for k in range(9, 25)]
    rows += [("L1", AS_OF - k * WEEK - j * DAY) for k in range(9) for j in (1, 2, 3, 4, 5)]
    rows += [("N1", AS_OF - k * WEEK - j * DAY) for k in range(11) for j in (1, 2)]
    return rows


def write_shop(folder):
    iso = "%Y-%m-%dT%H:%M:%S+00:00"
    write_csv(folder, "customers", ["customer_id", "created_at"], [[c, t.strftime(iso)] for c, t in JOINED.items()])
    write_csv(folder, "transactions", ["transaction_id", "customer_id", "timestamp", "amount", "currency", "kind"],
              [[f"T{i}", c, t.strftime(iso), "100000", "IDR", "purchase"] for i, (c, t) in enumerate(_purchases())])
    return folder


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return write_shop(tmp_path_factory.mktemp("shifts") / "in")


@pytest.fixture(scope="module")
def store(shop, tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("ws"), Settings(consent_default="grant"))
    ingest(s, shop)
    yield s
    s.close()


@pytest.fixture(scope="module")
def features(store):
    return store.materialise(build_features(store, AS_OF))


def _stat(*sides: tuple[float, float]) -> float:
    """2 · log-likelihood ratio of (count, weeks) sides against one rate over all of them."""
    s, n = sum(c for c, _ in sides), sum(w for _, w in sides)
    return 2 * (sum(c * math.log(c / w) for c, w in sides if c) - s * math.log(s / n))


def test_each_customer_is_split_where_its_rate_changed_by_hand(store):
    found = behaviour_shifts(store, AS_OF).set_index("customer_id")
    assert list(found.index) == ["D1", "L1", "S1", "U1"]  # N1's 11 weeks are too few, C3 never bought
    assert found.loc[["D1", "L1", "S1", "U1"], "shift"].tolist() == [True, True, False, True]
    assert found.weeks.to_dict() == {"D1": 40, "L1": 25, "S1": 40, "U1": 40}
    assert found.purchases.to_dict() == {"D1": 90, "L1": 61, "S1": 40, "U1": 30}
    up, down, late = found.loc["U1"], found.loc["D1"], found.loc["L1"]
    assert (up.change_date, up.direction, up.rate_before, up.rate_after) == (AS_OF - 10 * WEEK, "up", 0.0, 3.0)
    assert (down.change_date, down.direction, down.rate_before, down.rate_after) == (AS_OF - 10 * WEEK, "down",
                                                                                       3.0, 0.0)
    # L1's rate before is over its own 16 weeks since joining (1 a week), not over 31 weeks of the shop's
    assert (late.change_date, late.direction, late.rate_before, late.rate_after) == (AS_OF - 9 * WEEK, "up",
                                                                                       1.0, 5.0)
    # Bonferroni: 25 splits with 8 weeks each side of 40; L1 only 10 (weeks 23..32 of its 15..39)
    assert up.p_value == pytest.approx(25 * chi2.sf(_stat((0, 30), (30, 10)), 1))
    assert down.p_value == pytest.approx(25 * chi2.sf(_stat((90, 30), (0, 10)), 1))
    assert late.p_value == pytest.approx(10 * chi2.sf(_stat((16, 16), (45, 9)), 1))
    assert found.loc["S1", "p_value"] == 1.0


def test_customers_outside_the_given_set_are_not_tested(store):
    only = store.table("customers").filter(lambda c: c.customer_id.isin(["U1", "S1"])).select("customer_id")
    assert behaviour_shifts(store, AS_OF, only).customer_id.tolist() == ["S1", "U1"]


def test_too_few_purchases_can_never_be_significant():
    # 3 purchases in the last 8 of 40 weeks: 2·3·ln 5 = 9.7 < 10.8, the 0.001 point of chi2(1), uncorrected
    assert min_purchases(40) == 4 and 2 * 3 * math.log(5) < chi2.isf(0.001, 1) < 2 * 4 * math.log(5)


SHIFT_RULES = {  # change dates: U1 and D1 70 days before as_of, L1 63 days
    "behaviour_shift(days=63) == 1": set(),  # L1's is exactly 63 days before: out, as with every window
    "behaviour_shift(days=64) == 1": {"L1"},
    "behaviour_shift(days=71) == 1": {"D1", "L1", "U1"},
    'behaviour_shift("up", days=71) == 1': {"L1", "U1"},
    'behaviour_shift(direction="down", days=365) > 0': {"D1"},
    'behaviour_shift("any", days=71) == 1 and orders(days=7) == 0': {"D1"},
    "behaviour_shift(days=71) == 0": {"C3", "N1", "S1"},
}


def selected(store, table, rule: str) -> set[str]:
    model = RuleSegments([{"name": "Match", "rule": rule}]).fit()
    t = model.with_windows(store, AS_OF, table)
    got = t.select("customer_id", segment_id=model.assign_expression(t)).execute()
    return set(got.customer_id[got.segment_id == 0])


@pytest.mark.parametrize("rule", SHIFT_RULES)
def test_the_rule_field_selects_the_shifted_customers_by_hand(store, features, rule):
    assert selected(store, features, rule) == SHIFT_RULES[rule]


def test_the_rule_field_is_0_or_1_per_customer(store, features):
    calls = [parse_rule(f"{text} >= 0").calls[0] for text in ("behaviour_shift(days=71)",
                                                              'behaviour_shift("down", days=71)')]
    columns = call_columns(calls)
    values = with_windows(store, AS_OF, features, calls).execute().set_index("customer_id").sort_index()
    assert values[columns[calls[0]]].to_dict() == {"C3": 0, "D1": 1, "L1": 1, "N1": 0, "S1": 0, "U1": 1}
    assert values[columns[calls[1]]].to_dict() == {"C3": 0, "D1": 1, "L1": 0, "N1": 0, "S1": 0, "U1": 0}
    assert values[columns[calls[0]]].dtype == "int64"


MALFORMED = [
    ('behaviour_shift("sideways", days=90) == 1',
     'direction must be "any", "up" or "down", found "sideways" at column 17 of '
     '`behaviour_shift("sideways", days=90) == 1`; e.g. behaviour_shift("down", days=90)'),
    ('behaviour_shift("Down", days=90) == 1',
     'direction must be "any", "up" or "down", found "Down" at column 17 of `behaviour_shift("Down", days=90) == 1`; '
     'did you mean down? e.g. behaviour_shift("down", days=90)'),
    ("behaviour_shift() == 1",
     'behaviour_shift() needs days=N at column 17 of `behaviour_shift() == 1`; e.g. behaviour_shift("down", days=90)'),
    ("behaviour_shift(90) == 1",
     'the window is given by name in behaviour_shift([direction], days=N) at column 17 of '
     '`behaviour_shift(90) == 1`; e.g. behaviour_shift("down", days=90)'),
    ("behaviour_shift('up', 90) == 1",
     'too many arguments for behaviour_shift([direction], days=N) at column 23 of '
     "`behaviour_shift('up', 90) == 1`; give the window by name, e.g. behaviour_shift(\"down\", days=90)"),
    ('behaviour_shift("up", "down", days=9) == 1',
     'too many arguments for behaviour_shift([direction], days=N) at column 23 of '
     '`behaviour_shift("up", "down", days=9) == 1`; e.g. behaviour_shift("down", days=90)'),
    ("behaviour_shift(dirs='up', days=9) == 1",
     "behaviour_shift() has no argument 'dirs' at column 17 of `behaviour_shift(dirs='up', days=9) == 1`; "
     "its arguments: direction, days"),
    ("behavior_shift(days=9) == 1",
     "unknown function 'behavior_shift' at column 1 of `behavior_shift(days=9) == 1`; did you mean "
     "behaviour_shift? known functions: visits, viewed_page, orders, revenue, returns, behaviour_shift"),
    ("behaviour_shift == 1",
     'behaviour_shift is a function at column 1 of `behaviour_shift == 1`; call it, e.g. '
     'behaviour_shift("down", days=90)'),
]


@pytest.mark.parametrize("rule, message", MALFORMED)
def test_a_malformed_call_says_what_is_wrong_and_where(rule, message):
    with pytest.raises(RuleError) as exc:
        parse_rule(rule)
    assert str(exc.value) == message


def test_a_run_stores_the_snapshots_shifts_and_rules_read_them(shop, tmp_path):
    segments = [{"name": "Shifted down", "rule": 'behaviour_shift("down", days=90) == 1'},
                {"name": "Shifted up", "rule": 'behaviour_shift("up", days=90) == 1'}]
    settings = Settings(consent_default="grant", segmentations=(spec("shifts", "rules", segments=segments),))
    result = run(tmp_path / "ws", settings, input_dir=shop, as_of=AS_OF)
    assert "shifts" in result.timings
    sid = result.snapshot.snapshot_id
    with Store.open(tmp_path / "ws", settings) as store:
        stored = store.table(BEHAVIOUR_SHIFTS).execute().sort_values("customer_id")
        assigned = store.table(ASSIGNMENTS).execute().set_index("customer_id").segment_name.sort_index()
        assert stored.snapshot_id.unique().tolist() == [sid]
        assert stored[["customer_id", "direction"]].values.tolist() == [["D1", "down"], ["L1", "up"], ["U1", "up"]]
        assert pd.to_datetime(stored.change_date, utc=True).tolist() == [AS_OF - 10 * WEEK, AS_OF - 9 * WEEK,
                                                                        AS_OF - 10 * WEEK]
        assert assigned.to_dict() == {"C3": "Everyone else", "D1": "Shifted down", "L1": "Shifted up",
                                      "N1": "Everyone else", "S1": "Everyone else", "U1": "Shifted up"}
        # the snapshot's stored rows are what a rule over its feature table reads: keep only U1's
        store.write(BEHAVIOUR_SHIFTS, store.table(BEHAVIOUR_SHIFTS).filter(lambda t: t.customer_id == "U1"))
        table = store.table(FEATURES).filter(lambda t: t.snapshot_id == sid)
        assert selected(store, table, "behaviour_shift(days=90) == 1") == {"U1"}

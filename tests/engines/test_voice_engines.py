"""The text stage, the attitudinal features and the triage queue on DuckDB, PostgreSQL and Spark: the
hand-computed shop of tests/features/voice_shop.py gives the same interaction_scores and exactly the expected
features on every engine, and the support messages of tests/text/test_triage.py the same queue."""

from __future__ import annotations

import pytest

from kenal.config import Settings
from kenal.features import build_features
from kenal.store import Store
from kenal.text.stage import INTERACTION_SCORES, score_interactions
from kenal.text.triage import triage
from tests.conftest import write_csv
from tests.engines.conftest import ENGINES, ingested
from tests.features.voice_shop import AS_OF, LATER, check, write_shop
from tests.text.test_triage import CHURN, MESSAGES, QUEUE_TIME, RANK, write_outputs


@pytest.fixture(scope="module")
def support(tmp_path_factory) -> dict:
    """The support messages of tests/text/test_triage.py, ingested once."""
    root = tmp_path_factory.mktemp("support")
    write_csv(root / "in", "customers", ["customer_id", "created_at"],
              [[c, "2025-01-01T00:00:00+00:00"] for c in "ABCDEFGHMN"])
    write_csv(root / "in", "interactions", ["interaction_id", "customer_id", "timestamp", "channel", "text", "rating"],
              MESSAGES)
    return ingested(root, root / "in", ("customers", "interactions"))


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("voice-shop")
    return ingested(root, write_shop(root / "in"), ("customers", "interactions"))


@pytest.mark.parametrize("engine_overrides", ENGINES, indirect=True)
def test_voice_features_are_exact_on_every_engine(engine_overrides, shop, tmp_path):
    with Store.open(tmp_path / "ws", Settings(consent_default="grant", **engine_overrides)) as store:
        for name, data in shop.items():
            store.write(name, data)
        first = score_interactions(store, AS_OF)
        again = score_interactions(store, AS_OF)
        scores = store.table(INTERACTION_SCORES).execute().sort_values("interaction_id", ignore_index=True)
        features = build_features(store, AS_OF).execute().set_index("customer_id")
        queue = triage(store, as_of=LATER, days=60).queue
    assert (first.scored, again.scored, first.stored) == (6, 0, 6)
    assert scores.interaction_id.tolist() == ["I1", "I10", "I3", "I6", "I8", "I9"]
    assert scores.sentiment.tolist() == ["positive", "positive", "negative", "positive", "neutral", "neutral"]
    assert scores.complaint.tolist() == [False, False, True, False, False, False]
    check(features, pytest.approx)
    # C1's ticket (I3) is settled by nothing positive after it; I5 (after it) is negative; C2's chat is settled
    # by nothing: I9 is spam and I10 came after I8 and is positive, so only C1 is in the queue
    assert queue.interaction_id.tolist() == ["I3"]


@pytest.mark.parametrize("engine_overrides", ENGINES, indirect=True)
def test_the_triage_queue_is_the_same_on_every_engine(engine_overrides, support, tmp_path):
    with Store.open(tmp_path / "ws", Settings(consent_default="grant", **engine_overrides)) as store:
        for name, data in support.items():
            store.write(name, data)
        write_outputs(store)
        q = triage(store, as_of=QUEUE_TIME).queue
    assert q.interaction_id.tolist() == ["A1", "C2", "N1", "B1", "M1", "G1"]
    assert q.value_rank.tolist() == pytest.approx([RANK[c] for c in q.customer_id])
    assert q.churn_probability.fillna(0).tolist() == [CHURN.get(c, 0.0) for c in q.customer_id]
    assert q.value_segment.tolist() == ["Next 9%", "Rest", "Rest", "Top 1%", "Rest", "Rest"]

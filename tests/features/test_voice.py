"""Attitudinal features (NPS, CSAT, negative share, sentiment trend, complaints) against values computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from kenal.config import Settings
from kenal.features import build_features
from kenal.ingest import ingest
from kenal.models.describe import voice_summary
from kenal.store import Store
from kenal.text.stage import INTERACTION_SCORES, score_interactions
from tests.features.voice_shop import AS_OF, INTERACTIONS, LATER, check, expected, write_shop

SETTINGS = Settings(consent_default="grant")


def _features(store) -> pd.DataFrame:
    return build_features(store, AS_OF).execute().set_index("customer_id")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    root = tmp_path_factory.mktemp("voice")
    store = Store.open(root / "ws", SETTINGS)
    ingest(store, write_shop(root / "in"))
    yield store
    store.close()


def test_attitudinal_features_by_hand(shop):
    score_interactions(shop, AS_OF)
    check(_features(shop), pytest.approx)


def test_without_scored_texts_ratings_and_nps_still_count(tmp_path):
    with Store.open(tmp_path / "ws", SETTINGS) as store:
        ingest(store, write_shop(tmp_path / "in"))
        f = _features(store)
    assert "texts" not in f.columns and "negative_share" not in f.columns
    # no text model: a complaint is a 1-2 star rating or an NPS answer of 0-6
    assert (f.loc["C1", "complaints"], f.loc["C2", "complaints"]) == (1, 1)  # I4 (NPS 6); I7 (2 stars)
    for name in ("nps", "nps_responses", "csat", "ratings"):
        assert f.loc["C1", name] == expected()["C1"][name]


def test_texts_after_the_as_of_date_change_nothing(tmp_path):
    """Rewrite and add texts after as-of, score them all (a later run did), and the features as of the
    earlier date are the same."""
    built = []
    later = [["I5", "C1", "2026-03-05T10:00:00+00:00", "ticket", "Terima kasih, sangat puas, mantap!", "5", "10"],
             ["I11", "C2", "2026-03-02T10:00:00+00:00", "chat", "Kecewa berat, lapor YLKI! Tolong refund", "1", "0"],
             ["I12", "C3", "2026-03-03T10:00:00+00:00", "review", "Jelek, rusak, kecewa", "1", ""]]
    for name, rows in (("original", INTERACTIONS), ("rewritten", INTERACTIONS[:4] + INTERACTIONS[5:] + later)):
        with Store.open(tmp_path / name / "ws", SETTINGS) as store:
            ingest(store, write_shop(tmp_path / name / "in", rows))
            result = score_interactions(store, LATER)  # every text scored, also those after AS_OF
            assert result.scored == (7 if name == "original" else 9)
            built.append(build_features(store, AS_OF).execute())
    assert_frame_equal(*built)
    check(built[0].set_index("customer_id"), pytest.approx)


def test_the_text_stage_scores_each_text_once_and_stores_no_text(tmp_path):
    with Store.open(tmp_path / "ws", SETTINGS) as store:
        ingest(store, write_shop(tmp_path / "in"))
        first = score_interactions(store, AS_OF)
        # I1, I3, I6, I8, I9 (spam is scored too: whether it is spam is decided per snapshot), I10
        assert (first.scored, first.stored, first.rescored) == (6, 6, False)
        again = score_interactions(store, AS_OF)
        assert (again.scored, again.stored) == (0, 6)
        later = score_interactions(store, LATER)  # I5 is now before the as-of
        assert (later.scored, later.stored) == (1, 7)
        rows = store.table(INTERACTION_SCORES).execute().set_index("interaction_id").sort_index()
    assert sorted(rows.columns) == sorted(["sentiment", "sentiment_score", "language", "aspects", "complaint",
                                           "complaint_phrases", "model"])
    assert rows.loc["I3"].to_dict() | {"sentiment_score": None} == {
        "sentiment": "negative", "sentiment_score": None, "language": "id", "aspects": "product_quality;refund_return",
        "complaint": True, "complaint_phrases": "kecewa;mohon", "model": first_model(rows)}
    assert rows.loc["I8", "complaint"] == False and rows.loc["I8", "aspects"] == "refund_return"  # noqa: E712
    assert rows.loc["I1", "sentiment_score"] == pytest.approx(expected_score("I1"), abs=1e-6)


def first_model(rows: pd.DataFrame) -> str:
    from kenal.text.model import lexicon_id

    assert set(rows.model) == {lexicon_id()}
    return lexicon_id()


def expected_score(interaction_id: str) -> float:
    from kenal.text.sentiment import sentiment

    text = next(r[4] for r in INTERACTIONS if r[0] == interaction_id)
    return sentiment(text)[1]


def test_a_new_sentiment_model_rescores_every_text(tmp_path):
    from kenal.text.model import ActiveSentiment

    with Store.open(tmp_path / "ws", SETTINGS) as store:
        ingest(store, write_shop(tmp_path / "in"))
        score_interactions(store, AS_OF)
        other = ActiveSentiment(None, "lexicon:another-version", "lexicon (another version)")
        result = score_interactions(store, AS_OF, other)
        assert (result.scored, result.stored, result.rescored) == (6, 6, True)
        assert set(store.table(INTERACTION_SCORES).model.execute()) == {"lexicon:another-version"}


def test_segment_voice_is_pooled_over_answers_ratings_and_texts():
    f = pd.DataFrame({"nps": [100.0, -50.0, np.nan], "nps_responses": [1, 4, 0], "csat": [1.0, 0.25, np.nan],
                      "avg_rating": [5.0, 2.5, np.nan], "ratings": [2, 4, 0], "negative_share": [0.0, 0.5, np.nan],
                      "texts": [1, 2, 0]})
    v = voice_summary(f, np.array([True, True, False]))
    # NPS over the 5 answers: (1 promoter + 1 promoter - 3 detractors) / 5 = -20 when the second
    # customer's -50 over 4 answers is 1 promoter and 3 detractors
    assert v["nps"] == pytest.approx(-20.0) and v["nps_responses"] == 5
    assert v["csat"] == pytest.approx(3 / 6) and v["avg_rating"] == pytest.approx(20 / 6) and v["ratings"] == 6
    assert v["negative_share"] == pytest.approx(1 / 3) and v["texts"] == 3
    assert v["everyone"]["nps"] == pytest.approx(-20.0)
    none = voice_summary(f, np.array([False, False, True]))
    assert none["nps"] is None and none["texts"] == 0
    assert voice_summary(pd.DataFrame({"frequency": [1.0]}), np.array([True])) == {}

"""The text stage of kenal run on the sample: every text scored once, the planted sentiment recovered from the
stored scores, the attitudinal features equal to a pandas recount, and the voice in the report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from kenal.config import Settings
from kenal.outputs import FEATURES
from kenal.pipeline import run
from kenal.report import write_report
from kenal.sample import write_sample
from kenal.store import Store
from kenal.text.stage import INTERACTION_SCORES


@pytest.fixture(scope="module")
def sample_run(clean, tmp_path_factory):
    root = tmp_path_factory.mktemp("text-stage")
    write_sample(clean, root / "in", root / "truth")
    settings = Settings(consent_default="grant")
    first = run(root / "ws", settings, input_dir=root / "in")
    second = run(root / "ws", settings)
    store = Store.open(root / "ws", settings)
    yield root, settings, first, second, store
    store.close()


def test_every_text_is_scored_once(sample_run, clean):
    _, _, first, second, store = sample_run
    texts = clean.tables["interactions"].text
    n = int((texts.notna() & (texts.fillna("").str.strip() != "")).sum())
    assert (first.text.scored, first.text.stored) == (n, n)
    assert (second.text.scored, second.text.stored) == (0, n)
    assert "text" in first.timings and first.text.sentiment.startswith("lexicon")
    assert store.table(INTERACTION_SCORES).interaction_id.nunique().execute() == n


def test_the_stored_sentiment_recovers_the_planted_one(sample_run, clean):
    store = sample_run[4]
    truth = clean.truth["texts"]
    truth = truth[~truth.spam].set_index("interaction_id")
    got = store.table(INTERACTION_SCORES).execute().set_index("interaction_id").loc[truth.index]
    assert f1_score(truth.sentiment, got.sentiment, average="macro") >= 0.85
    assert f1_score(truth.complaint, got.complaint, average="macro") >= 0.85


def test_nps_and_csat_equal_a_pandas_recount(sample_run, clean):
    """The sample has no defects: every rating and NPS answer is on its scale, and no text is spam."""
    first, store = sample_run[2], sample_run[4]
    f = store.table(FEATURES).filter(lambda t: t.snapshot_id == first.snapshot.snapshot_id).execute()
    f = f.set_index("customer_id")
    i = clean.tables["interactions"]
    i = i[pd.to_datetime(i.timestamp, utc=True, format="ISO8601") <= first.snapshot.as_of]
    g = i.groupby("customer_id")
    answers = g.nps.count()
    nps = (100 * (g.nps.apply(lambda s: (s >= 9).sum() - (s <= 6).sum())) / answers.where(answers > 0)).reindex(f.index)
    csat = (g.rating.apply(lambda s: (s >= 4).sum()) / g.rating.count().where(lambda c: c > 0)).reindex(f.index)
    np.testing.assert_allclose(f.nps.to_numpy(float), nps.to_numpy(float), equal_nan=True)
    np.testing.assert_allclose(f.csat.to_numpy(float), csat.to_numpy(float), equal_nan=True)
    assert (f.nps_responses == answers.reindex(f.index).fillna(0)).all()
    assert f.texts.sum() > 1000
    assert (f.negative_share.isna() == (f.texts == 0)).all() and f.negative_share.dropna().between(0, 1).all()


def test_segment_cards_show_the_voice(sample_run):
    root, settings, first, _, store = sample_run
    value = next(g for g in first.segmentations if g.name == "value")
    assert all(s.voice and "nps" in s.voice and "negative_share" in s.voice for s in value.segments)
    html = write_report(root / "ws", first, settings, store).read_text(encoding="utf-8")
    assert "Customer texts: " in html and "sentiment by the lexicon" in html
    assert "Voice: NPS " in html and " texts negative (everyone " in html

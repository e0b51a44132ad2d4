"""kenal text train: a model learnt from labelled texts beats the lexicon where the texts use words the lexicon
does not know, is stored as plain JSON, and is used wherever it is better; bad label files are one clear line."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from kenal.config import Settings
from kenal.errors import SourceError, WorkspaceError
from kenal.ingest import ingest
from kenal.store import Store
from kenal.text import clean
from kenal.text.model import MODEL_FILE, active_model, analyse, lexicon_id, load_model
from kenal.text.sentiment import LABELS, lexicon, sentiment
from kenal.text.stage import INTERACTION_SCORES, score_interactions
from kenal.text.train import MIN_PER_LABEL, fit_model, read_labels, train
from tests.cli.test_errors import assert_one_line_error, kenal
from tests.conftest import write_csv

FILLER = ["barangnya sudah sampai kemarin", "aku beli buat adik", "pesan hari senin", "warnanya hitam", "ukuran L ya",
          "dipakai buat kerja", "order kedua kalinya", "dikirim dari jakarta", "buat hadiah ulang tahun",
          "hp nya baru seminggu", "pakai tiap hari", "beli pas promo"]


def slang_labels(n: int = 40, seed: int = 0) -> pd.DataFrame:
    """A shop whose customers praise with "gacor" and damn with "ampas": slang the lexicon does not know."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        a, b = rng.choice(FILLER, 2, replace=False)
        rows.append((f"{a}, {b}, gacor" if i % 2 else f"{a} gacor, {b}", "positive"))
        rows.append((f"{a}, {b}, ampas" if i % 2 else f"{a} ampas, {b}", "negative"))
        rows.append((f"{a}, {b}", "neutral"))
    return pd.DataFrame(rows, columns=["text", "label"])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    labels = root / "labels.csv"
    slang_labels().to_csv(labels, index=False)
    return train(labels, root / "ws"), root


def test_the_lexicon_does_not_know_the_slang():
    assert "gacor" not in lexicon().weights and "ampas" not in lexicon().weights
    assert sentiment("hp nya gacor")[0] == "neutral" and sentiment("ampas")[0] == "neutral"


def test_the_trained_model_beats_the_lexicon_on_held_out_folds(trained):
    result, _ = trained
    cv = result.model.cv
    assert cv["folds"] == 5 and cv["n_texts"] == 120 and cv["per_label"] == {l: 40 for l in LABELS}
    assert len(cv["model_f1_folds"]) == len(cv["lexicon_f1_folds"]) == 5
    assert result.model.model_f1 >= 0.95 and result.model.lexicon_f1 <= 0.5
    assert all(m > lx for m, lx in zip(cv["model_f1_folds"], cv["lexicon_f1_folds"]))
    assert result.in_use.startswith("trained model (macro-F1 ")
    assert "Macro-F1, 5-fold stratified cross-validation: trained model" in result.lines()[1]


def test_the_model_is_plain_json_and_is_used_where_it_is_better(trained):
    result, root = trained
    stored = json.loads((root / "ws" / MODEL_FILE).read_text(encoding="utf-8"))
    assert stored["format"] == 1 and stored["classes"] == list(LABELS)
    assert {"vocabulary", "idf", "params"} <= set(stored["parts"][0])
    active = active_model(root / "ws")
    assert active.model is not None and active.id.startswith("trained:")
    signals = analyse(["hpnya gacor parah", "ampas, kapok", "pesan hari senin"], active)
    assert signals.sentiment.label.tolist() == ["positive", "negative", "neutral"]
    assert signals.sentiment.score[0] > 0.5 > -0.5 > signals.sentiment.score[1]


def test_the_stored_model_predicts_as_sklearn_does(trained):
    """The JSON model's TF-IDF and softmax reproduce sklearn's pipeline fitted the same way."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    from kenal.text.model import CHAR, MAX_FEATURES, WORD, C, _sklearn_params

    frame = slang_labels()
    cleaned = clean.clean_texts(frame.text)
    vecs = [TfidfVectorizer(lowercase=False, sublinear_tf=True, max_features=MAX_FEATURES, **_sklearn_params(p))
            for p in (WORD, CHAR)]
    pipe = make_pipeline(make_union(*vecs), LogisticRegression(C=C, class_weight="balanced", max_iter=5000))
    pipe.fit(cleaned, frame.label)
    model = load_model(trained[1] / "ws")
    probe = clean.clean_texts(["gacor banget 😍", "ampas!!", "dikirim kemarin", "barang baru sampai, ampas"])
    ours = model.probabilities(probe)
    theirs = pipe.predict_proba(probe)[:, [list(pipe.classes_).index(c) for c in model.classes]]
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_the_pipeline_stage_and_the_file_command_use_the_workspace_model(trained, tmp_path):
    _, root = trained
    ws = root / "ws"
    write_csv(tmp_path / "in", "customers", ["customer_id", "created_at"], [["C1", "2025-01-01T00:00:00+00:00"]])
    write_csv(tmp_path / "in", "interactions", ["interaction_id", "customer_id", "timestamp", "channel", "text"],
              [["I1", "C1", "2026-01-01T00:00:00+00:00", "review", "hp nya gacor, dipakai tiap hari"]])
    with Store.open(ws, Settings()) as store:
        ingest(store, tmp_path / "in")
        result = score_interactions(store, datetime(2026, 2, 1, tzinfo=timezone.utc))
        row = store.table(INTERACTION_SCORES).execute().iloc[0]
    assert result.sentiment.startswith("trained model") and row.sentiment == "positive"
    assert row.model == active_model(ws).id != lexicon_id()
    source = tmp_path / "texts.csv"
    pd.DataFrame({"text": ["gacor parah", "ampas"]}).to_csv(source, index=False)
    out = kenal("text", "sentiment", "-i", str(source), "-o", str(tmp_path / "out.csv"), "-w", str(ws))
    assert out.returncode == 0, out.stderr
    assert "Sentiment by the trained model (macro-F1" in out.stdout
    assert pd.read_csv(tmp_path / "out.csv").sentiment.tolist() == ["positive", "negative"]


def test_the_lexicon_stays_when_the_model_does_not_beat_it(tmp_path):
    """Every sentiment word appears once: the lexicon knows them, the model cannot learn an unseen word."""
    lex = lexicon().weights
    good = sorted(w for w, v in lex.items() if v >= 1.5 and "_" not in w)[:20]
    bad = sorted(w for w, v in lex.items() if v <= -1.5 and "_" not in w)[:20]
    assert len(good) == len(bad) == 20
    rows = ([(f"produknya {w}", "positive") for w in good] + [(f"produknya {w}", "negative") for w in bad]
            + [(f"produknya datang hari ke {i}", "neutral") for i in range(20)])
    path = tmp_path / "labels.parquet"
    pd.DataFrame(rows, columns=["text", "label"]).to_parquet(path)
    result = train(path, tmp_path / "ws")
    assert result.model.lexicon_f1 > result.model.model_f1
    active = active_model(tmp_path / "ws")
    assert active.model is None and active.id == lexicon_id()
    assert active.description.startswith("lexicon, as the trained model does not beat it (macro-F1 ")


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"body": ["a"], "label": ["positive"]}),
     "column 'text' is missing - expected a CSV or Parquet file with columns text and label (positive, neutral or "
     "negative); found body, label"),
    (pd.DataFrame({"text": ["a", "b", "c"], "label": ["positive", "Negative ", "postive"]}),
     "column 'label' has 1 unknown label(s), the first on line 4 (example: 'postive') - expected positive, neutral "
     "or negative"),
    (pd.DataFrame({"text": ["a", "", "c"], "label": ["positive", "neutral", "negative"]}),
     "column 'text' is empty on 1 row(s), the first on line 3 - expected a text in every labelled row"),
    (pd.DataFrame({"text": ["t"] * 25, "label": ["positive"] * 10 + ["negative"] * 12 + ["neutral"] * 3}),
     f"column 'label' has 3 text(s) labelled neutral - expected at least {MIN_PER_LABEL} of each label "
     "(positive, neutral, negative) for 5-fold cross-validation"),
])
def test_bad_label_files_are_named_exactly(tmp_path, frame, message):
    path = tmp_path / "labels.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SourceError) as info:
        read_labels(path)
    assert str(info.value) == f"{path}: {message}"


def test_a_parquet_file_names_rows_and_the_cli_says_it_in_one_line(tmp_path):
    path = tmp_path / "labels.parquet"
    pd.DataFrame({"text": ["a", "b"], "label": ["positive", None]}).to_parquet(path)
    with pytest.raises(SourceError, match=r"column 'label' has 1 unknown label\(s\), the first on row 2 - "):
        read_labels(path)
    result = kenal("text", "train", "--labels", str(tmp_path / "nope.csv"), "-w", str(tmp_path / "ws"))
    assert_one_line_error(result, f"{tmp_path / 'nope.csv'}: does not exist - expected a CSV or Parquet file with "
                                  "columns text and label (positive, neutral or negative)")


def test_a_broken_model_file_is_a_workspace_error(tmp_path):
    (tmp_path / MODEL_FILE).write_text('{"format": 1, "classes": ["good", "bad"]}', encoding="utf-8")
    with pytest.raises(WorkspaceError, match=r"text_model.json is not a kenal text model .* run 'kenal text train"):
        load_model(tmp_path)


def test_fit_is_deterministic():
    frame = slang_labels(12)
    cleaned = clean.clean_texts(frame.text)
    a = fit_model(cleaned, frame.label.to_numpy(dtype=object))
    b = fit_model(cleaned, frame.label.to_numpy(dtype=object))
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())

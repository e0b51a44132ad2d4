"""``kenal text train --labels FILE``: a sentiment model learnt from the workspace's own labelled texts.

The labels file is CSV or Parquet with a ``text`` column and a ``label`` column holding positive,
neutral or negative (any case, surrounding spaces ignored).  Every row must have a text and a
known label, and each label at least :data:`MIN_PER_LABEL` texts; otherwise one line names the
file, the column, the line and the value, and nothing is saved.

The model (:mod:`kenal.text.model`) is scored by stratified k-fold cross-validation: on each
fold it is fitted on the other folds and predicts the held-out one, and the lexicon predicts the
same held-out texts, so the two macro-F1s (the mean over folds) are comparable.  Then it is fitted
on every labelled text and saved as ``W/text_model.json`` with that report; the workspace uses it
only where it beat the lexicon (:func:`kenal.text.model.active_model`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kenal.errors import SourceError
from kenal.text import clean as _clean
from kenal.text.model import (CHAR, MAX_FEATURES, WORD, C, TrainedSentiment, _sklearn_params, active_model,
                              now_iso, save_model)
from kenal.text.score_file import read_text_file
from kenal.text.sentiment import LABELS, score_cleaned

MIN_PER_LABEL = 10  # texts of each label: every one of the folds holds two of each
FOLDS = 5


def _where(path: Path, i: int) -> str:
    """Where data row ``i`` (0-based) is: a line of a CSV file (the header is line 1), a row of Parquet."""
    return f"line {i + 2}" if path.suffix.lower() == ".csv" else f"row {i + 1}"


def read_labels(path: Path, text_column: str = "text", label_column: str = "label") -> pd.DataFrame:
    """The labelled texts (columns text, label), checked as the module docstring says."""
    path = Path(path)
    expected = f"a CSV or Parquet file with columns {text_column} and {label_column} (positive, neutral or negative)"
    frame = read_text_file(path, expected)
    for column in (text_column, label_column):
        if column not in frame.columns:
            found = ", ".join(map(str, frame.columns)) or "no columns"
            raise SourceError(str(path), "is missing", column=column, expected=f"{expected}; found {found}")
    texts = [t if isinstance(t, str) else None for t in frame[text_column]]
    blank = [i for i, t in enumerate(texts) if t is None or not t.strip()]
    if blank:
        raise SourceError(str(path), f"is empty on {len(blank):,} row(s), the first on {_where(path, blank[0])}",
                          column=text_column, expected="a text in every labelled row")
    raw = frame[label_column]
    labels = [str(v).strip().lower() if isinstance(v, str) else "" for v in raw]
    bad = [i for i, v in enumerate(labels) if v not in LABELS]
    if bad:
        value = raw.iloc[bad[0]]
        raise SourceError(str(path), f"has {len(bad):,} unknown label(s), the first on {_where(path, bad[0])}",
                          column=label_column, example=value if isinstance(value, str) else None,
                          expected="positive, neutral or negative")
    counts = pd.Series(labels).value_counts()
    for label in LABELS:
        if counts.get(label, 0) < MIN_PER_LABEL:
            raise SourceError(str(path), f"has {int(counts.get(label, 0)):,} text(s) labelled {label}",
                              column=label_column,
                              expected=f"at least {MIN_PER_LABEL} of each label (positive, neutral, negative) "
                                       f"for {FOLDS}-fold cross-validation")
    return pd.DataFrame({"text": texts, "label": labels})


def fit_model(cleaned: list[str], labels: np.ndarray, seed: int = 0) -> TrainedSentiment:
    """TF-IDF (words and characters) + logistic regression fitted on cleaned texts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    import scipy.sparse as sp

    parts, blocks = [], []
    for params in (WORD, CHAR):
        vec = TfidfVectorizer(lowercase=False, sublinear_tf=True, max_features=MAX_FEATURES, dtype=np.float64,
                              **_sklearn_params(params))
        blocks.append(vec.fit_transform(cleaned))
        parts.append({"params": params, "vocabulary": vec.get_feature_names_out().tolist(), "idf": vec.idf_.tolist()})
    x = sp.hstack(blocks, format="csr")
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=seed).fit(x, labels)
    order = [list(clf.classes_).index(c) for c in LABELS]  # rows in LABELS order
    return TrainedSentiment(classes=list(LABELS), parts=parts, coef=clf.coef_[order], intercept=clf.intercept_[order])


@dataclass
class TrainResult:
    model: TrainedSentiment
    path: Path
    in_use: str  # the workspace's sentiment after training (kenal.text.model.active_model)

    def lines(self) -> list[str]:
        cv = self.model.cv
        folds = ", ".join(f"{m:.3f}/{lx:.3f}" for m, lx in zip(cv["model_f1_folds"], cv["lexicon_f1_folds"]))
        counts = ", ".join(f"{k} {v:,}" for k, v in cv["per_label"].items())
        return [f"Trained on {cv['n_texts']:,} labelled texts ({counts}) from {self.model.labels_file}.",
                f"Macro-F1, {cv['folds']}-fold stratified cross-validation: trained model {self.model.model_f1:.3f}, "
                f"lexicon {self.model.lexicon_f1:.3f} on the same folds (per fold, model/lexicon: {folds}).",
                f"Saved {self.path}. Sentiment in use: {self.in_use}."]


def cross_validate(cleaned: list[str], labels: np.ndarray, folds: int = FOLDS, seed: int = 0) -> dict:
    """Macro-F1 of the model and of the lexicon on the same stratified folds (mean and per fold)."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    lexicon = score_cleaned(_clean._SEP.join(cleaned), len(cleaned)).label
    model_f1, lexicon_f1 = [], []
    for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(cleaned, labels):
        model = fit_model([cleaned[i] for i in train], labels[train], seed)
        predicted = model.predict_cleaned([cleaned[i] for i in test]).label
        model_f1.append(f1_score(labels[test], predicted, labels=list(LABELS), average="macro", zero_division=0))
        lexicon_f1.append(f1_score(labels[test], lexicon[test], labels=list(LABELS), average="macro", zero_division=0))
    return {"folds": folds, "n_texts": len(cleaned), "seed": seed,
            "per_label": {k: int((labels == k).sum()) for k in LABELS},
            "model_macro_f1": float(np.mean(model_f1)), "lexicon_macro_f1": float(np.mean(lexicon_f1)),
            "model_f1_folds": [round(float(v), 4) for v in model_f1],
            "lexicon_f1_folds": [round(float(v), 4) for v in lexicon_f1]}


def train(labels_file: Path, workspace: Path, seed: int = 0, text_column: str = "text",
          label_column: str = "label") -> TrainResult:
    """Read, cross-validate, fit on everything, save to the workspace (see the module docstring)."""
    frame = read_labels(labels_file, text_column, label_column)
    cleaned = _clean.clean_texts(frame.text)
    labels = frame.label.to_numpy(dtype=object)
    cv = cross_validate(cleaned, labels, FOLDS, seed)
    model = fit_model(cleaned, labels, seed)
    model.cv, model.trained_at, model.labels_file = cv, now_iso(), str(labels_file)
    path = save_model(workspace, model)
    return TrainResult(model, path, active_model(workspace).description)

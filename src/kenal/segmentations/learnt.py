"""A ``learnt`` segmentation: the analyst's labels file read, checked and matched to the snapshot,
the classifier fitted (:class:`kenal.models.learnt.LabelLearner`), and what it says about itself.

Every problem with the file stops the run with one line naming the file, the column, a value and
what was expected; labelled customers missing from the snapshot are counted and reported, never
dropped silently.
"""

from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from kenal.errors import SourceError, first_line
from kenal.ingest.sources import DELIMITERS, normalise_header
from kenal.models.learnt import MIN_PER_LABEL, N_SPLITS, LabelLearner
from kenal.segmentations.spec import SegmentationSpec

COLUMNS = ("customer_id", "label")
EXPECTED = "a CSV or Parquet file with columns customer_id and label"


def labels_path(value: str, workspace: Path | None) -> Path:
    """``value`` as given in kenal.toml: absolute, or relative to the workspace folder."""
    path = Path(value).expanduser()
    return path if path.is_absolute() or workspace is None else Path(workspace) / path


def read_labels(path: Path) -> pd.Series:
    """customer_id -> label, one entry per labelled customer (repeated identical rows count once)."""
    frame = _read(path)
    columns = {normalise_header(str(c)): c for c in frame.columns}
    for column in COLUMNS:
        if column not in columns:
            raise SourceError(str(path), "is missing", column=column,
                              expected=f"columns customer_id and label; found {', '.join(map(str, frame.columns))}")
    if frame.empty:
        raise SourceError(str(path), "has no rows", expected="one row per labelled customer: customer_id, label")
    frame = pd.DataFrame({c: frame[columns[c]].astype("string").str.strip().replace("", pd.NA) for c in COLUMNS})
    for column, other in (("customer_id", "label"), ("label", "customer_id")):
        empty = np.flatnonzero(frame[column].isna().to_numpy())
        if len(empty):
            beside = frame[other].iloc[empty[0]]
            where = f"data row {empty[0] + 1}" + ("" if pd.isna(beside) else f", {other} {beside!r}")
            raise SourceError(str(path), f"is empty in {len(empty)} row(s) (first: {where})", column=column,
                              expected="a customer_id and a label on every row (leave a customer out to have the "
                                       "model assign them)")
    frame = frame.drop_duplicates()
    twice = frame[frame.customer_id.duplicated(keep=False)]
    if len(twice):
        first = twice[twice.customer_id == twice.customer_id.iloc[0]]
        raise SourceError(str(path), f"gives {twice.customer_id.nunique()} customer(s) different labels (first: "
                                     f"{first.customer_id.iloc[0]!r} is {' and '.join(map(repr, first.label))})",
                          column="customer_id", expected="one label per customer")
    return pd.Series(frame.label.to_numpy(dtype=object), index=frame.customer_id.to_numpy(dtype=object), name="label")


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise SourceError(str(path), "does not exist" if not path.exists() else "is not a file", expected=EXPECTED)
    parquet = path.suffix.lower() in (".parquet", ".pq")
    try:
        if parquet:
            return pd.read_parquet(path)
        with open(path, encoding="utf-8-sig", newline="") as f:
            text = f.read()
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise SourceError(str(path), f"is not UTF-8 text (line {line}, byte {exc.start}: "
                                     f"{exc.object[exc.start:exc.start + 4]!r})",
                          expected="a UTF-8 encoded CSV file (in Excel: Save As > CSV UTF-8)") from None
    except Exception as exc:  # the reader's own words for what it could not parse
        raise SourceError(str(path), f"cannot be read: {first_line(exc)}", expected=EXPECTED) from None
    if not text.strip():
        raise SourceError(str(path), "is empty", expected="a header line customer_id,label, then one row per customer")
    header = text.splitlines()[0]
    delimiter = max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","
    try:
        return pd.read_csv(StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise SourceError(str(path), f"cannot be read: {first_line(exc)}", expected=EXPECTED) from None


def match_labels(labels: pd.Series, customer_ids: pd.Series, path: Path) -> tuple[np.ndarray, str]:
    """Each customer's label (NaN when unlabelled), in the order of ``customer_ids``, and a warning
    ("" if none) about labelled customers not in the snapshot."""
    known = labels.index.isin(customer_ids)
    n_unknown, n = int((~known).sum()), len(labels)
    if n_unknown == n:
        raise SourceError(str(path), f"labels {n} customer(s), none of them in this snapshot (example: "
                                     f"{labels.index[0]!r})", column="customer_id",
                          expected="customer ids as in customers.csv, of customers who consent to profiling")
    counts = labels[known].value_counts()
    if len(counts) < 2:
        raise SourceError(str(path), f"has one label ({counts.index[0]!r}) for the customers in this snapshot",
                          column="label", expected="at least two labels for the model to tell apart")
    rare = counts[counts < MIN_PER_LABEL].sort_values()
    if len(rare):
        raise SourceError(str(path), f"has {rare.iloc[0]} customer(s) in this snapshot labelled {rare.index[0]!r}",
                          column="label", expected=f"at least {MIN_PER_LABEL} per label, for cross-validation: label "
                                                   "more customers or leave the label out")
    warning = "" if not n_unknown else (
        f"{n_unknown:,} of {n:,} labelled customers in {path.name} are not in this snapshot (not consenting to "
        "profiling, or unknown): ignored.")
    return customer_ids.map(labels).to_numpy(dtype=object), warning


def fit_learnt(spec: SegmentationSpec, features: pd.DataFrame, workspace: Path | None, seed: int) -> LabelLearner:
    """The fitted model, with ``labels_file_``, ``labels_sha256_``, ``n_not_in_snapshot_`` and
    ``warnings_`` (for the report) beside its own attributes."""
    path = labels_path(spec["labels"], workspace)
    labels = read_labels(path)
    y, warning = match_labels(labels, features.customer_id, path)
    model = LabelLearner(min_confidence=spec["min_confidence"], random_state=seed).fit(features, y)
    model.labels_file_, model.labels_sha256_ = str(path), hashlib.sha256(path.read_bytes()).hexdigest()
    model.n_not_in_snapshot_ = len(labels) - int(model.labelled_.sum())  # one label per customer
    model.warnings_ = [warning] if warning else []
    return model


def learnt_reason(model: LabelLearner) -> str:
    params = ", ".join(f"{k} {v:g}" for k, v in sorted(model.best_params_.items()))
    scores = "; ".join(f"{m.label}: precision {m.precision:.2f}, recall {m.recall:.2f}, F1 {m.f1:.2f} "
                       f"({m.support:,} labelled)" for m in model.metrics_.itertuples())
    n_labelled, n_rest = int(model.labelled_.sum()), int((~model.labelled_).sum())
    uncertain = (f", or {model.segment_names_[-1]} when no label reaches {model.min_confidence:.0%} probability"
                 if model.min_confidence > 0 else "")
    return " ".join([
        f"Learnt from {n_labelled:,} customers labelled in {Path(model.labels_file_).name} by gradient-boosted "
        f"trees of up to {model.estimator_.max_leaf_nodes} leaves ({params}; {model.n_iter_} rounds), chosen by "
        f"{N_SPLITS}-fold cross-validation.",
        f"On labelled customers the model was not fitted on: {scores}; macro-F1 {model.macro_f1_:.2f}.",
        f"Labelled customers keep their label; the other {n_rest:,} get the predicted one{uncertain}.",
        *model.warnings_])


def learnt_record(model: LabelLearner) -> dict:
    estimator = model.estimator_
    return {"labels_file": model.labels_file_, "labels_sha256": model.labels_sha256_,
            "n_labelled": int(model.labelled_.sum()), "n_not_in_snapshot": model.n_not_in_snapshot_,
            "min_confidence": model.min_confidence, "metrics": model.metrics_.to_dict("records"),
            "macro_f1": model.macro_f1_,
            "hyper_parameters": {**model.best_params_, "max_leaf_nodes": estimator.max_leaf_nodes,
                                 "learning_rate": estimator.learning_rate,
                                 "max_iter": estimator.max_iter, "early_stopping": estimator.early_stopping,
                                 "class_weight": estimator.class_weight, "n_iter": model.n_iter_},
            "features": list(model.feature_names_in_), "segment_names": model.segment_names_}

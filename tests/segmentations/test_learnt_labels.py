"""A learnt segmentation's labels file: every way it can be wrong stops with one line naming the
file, the column, a value and what was expected; labelled customers missing from the snapshot are
counted, not dropped silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kenal.config import Settings, load_settings
from kenal.errors import ConfigError, SourceError
from kenal.segmentations.learnt import fit_learnt, labels_path, match_labels, read_labels
from kenal.segmentations.spec import spec
from tests.conftest import write_csv

HEADER = ["customer_id", "label"]


def labels_file(tmp_path, rows, header=HEADER, delimiter=","):
    return write_csv(tmp_path, "labels", header, rows, delimiter=delimiter)


def message(exc_info) -> str:
    return str(exc_info.value)


def test_a_labels_file_is_read_whatever_its_header_case_delimiter_or_format(tmp_path):
    path = labels_file(tmp_path, [[" C1 ", "loyal"], ["C2", "lost "], ["C1", "loyal"]], ["Customer ID", "Label"], ";")
    assert read_labels(path).to_dict() == {"C1": "loyal", "C2": "lost"}  # trimmed; the repeated row counts once
    parquet = tmp_path / "labels.parquet"
    pd.DataFrame({"customer_id": ["C1", "C2"], "label": [1, 0]}).to_parquet(parquet)
    assert read_labels(parquet).to_dict() == {"C1": "1", "C2": "0"}


def test_a_relative_path_is_read_from_the_workspace(tmp_path):
    assert labels_path("labels.csv", tmp_path / "ws") == tmp_path / "ws" / "labels.csv"
    assert labels_path(str(tmp_path / "x.csv"), tmp_path / "ws") == tmp_path / "x.csv"


@pytest.mark.parametrize("case, expected", [
    ("missing", "{path}: does not exist - expected a CSV or Parquet file with columns customer_id and label"),
    ("empty", "{path}: is empty - expected a header line customer_id,label, then one row per customer"),
    ("header only", "{path}: has no rows - expected one row per labelled customer: customer_id, label"),
    ("no label column", "{path}: column 'label' is missing - expected columns customer_id and label; found "
                        "customer_id, segment"),
    ("empty label", "{path}: column 'label' is empty in 2 row(s) (first: data row 2, customer_id 'C2') - expected "
                    "a customer_id and a label on every row (leave a customer out to have the model assign them)"),
    ("empty id", "{path}: column 'customer_id' is empty in 1 row(s) (first: data row 3, label 'lost') - expected "
                 "a customer_id and a label on every row (leave a customer out to have the model assign them)"),
    ("conflict", "{path}: column 'customer_id' gives 1 customer(s) different labels (first: 'C1' is 'loyal' and "
                 "'lost') - expected one label per customer"),
    ("not utf-8", "{path}: is not UTF-8 text (line 2, byte 24: b'\\xe9\\n') - expected a UTF-8 encoded CSV file (in "
                  "Excel: Save As > CSV UTF-8)"),
])
def test_a_bad_labels_file_is_one_clear_error(tmp_path, case, expected):
    path = tmp_path / "labels.csv"
    if case == "empty":
        path.write_text("")
    elif case == "header only":
        labels_file(tmp_path, [])
    elif case == "no label column":
        labels_file(tmp_path, [["C1", "loyal"]], ["customer_id", "segment"])
    elif case == "empty label":
        labels_file(tmp_path, [["C1", "loyal"], ["C2", ""], ["C3", " "]])
    elif case == "empty id":
        labels_file(tmp_path, [["C1", "loyal"], ["C2", "lost"], ["", "lost"]])
    elif case == "conflict":
        labels_file(tmp_path, [["C1", "loyal"], ["C2", "lost"], ["C1", "lost"]])
    elif case == "not utf-8":
        path.write_bytes("customer_id,label\nC1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(SourceError) as exc_info:
        read_labels(path)
    assert message(exc_info) == expected.format(path=path)


def test_a_broken_parquet_file_names_the_file(tmp_path):
    path = tmp_path / "labels.parquet"
    path.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(SourceError) as exc_info:
        read_labels(path)
    assert message(exc_info).startswith(f"{path}: cannot be read: ")
    assert message(exc_info).endswith(" - expected a CSV or Parquet file with columns customer_id and label")
    assert "\n" not in message(exc_info)


def labelled(n_loyal: int, n_lost: int, extra: dict | None = None) -> pd.Series:
    labels = {f"C{i}": "loyal" for i in range(n_loyal)} | {f"C{100 + i}": "lost" for i in range(n_lost)}
    return pd.Series(labels | (extra or {}))


SNAPSHOT = pd.Series([f"C{i}" for i in range(200)])


def test_labelled_customers_not_in_the_snapshot_are_counted_and_ignored(tmp_path):
    path = tmp_path / "labels.csv"
    labels = labelled(12, 15, {"X1": "lost", "X2": "loyal", "C500": "lost"})
    y, warning = match_labels(labels, SNAPSHOT, path)
    assert warning == ("3 of 30 labelled customers in labels.csv are not in this snapshot (not consenting to "
                       "profiling, or unknown): ignored.")
    assert pd.Series(y).value_counts().to_dict() == {"lost": 15, "loyal": 12}
    assert y[0] == "loyal" and y[100] == "lost" and pd.isna(y[50])
    assert match_labels(labelled(12, 15), SNAPSHOT, path)[1] == ""


@pytest.mark.parametrize("labels, expected", [
    (labelled(12, 9), "{path}: column 'label' has 9 customer(s) in this snapshot labelled 'lost' - expected at least "
                      "10 per label, for cross-validation: label more customers or leave the label out"),
    # 12 labelled lost, but 3 of them are not in the snapshot: what counts is who is left
    (labelled(12, 9, {"X1": "lost", "X2": "lost", "X3": "lost"}),
     "{path}: column 'label' has 9 customer(s) in this snapshot labelled 'lost' - expected at least 10 per label, "
     "for cross-validation: label more customers or leave the label out"),
    (labelled(12, 0, {"X1": "lost"}), "{path}: column 'label' has one label ('loyal') for the customers in this "
                                      "snapshot - expected at least two labels for the model to tell apart"),
    (pd.Series({"X1": "lost", "X2": "loyal"}), "{path}: column 'customer_id' labels 2 customer(s), none of them in "
                                               "this snapshot (example: 'X1') - expected customer ids as in "
                                               "customers.csv, of customers who consent to profiling"),
])
def test_labels_that_cannot_be_learnt_from_are_one_clear_error(tmp_path, labels, expected):
    path = tmp_path / "labels.csv"
    with pytest.raises(SourceError) as exc_info:
        match_labels(labels, SNAPSHOT, path)
    assert message(exc_info) == expected.format(path=path)


def test_fit_learnt_reads_the_file_from_the_workspace_and_reports_what_it_ignored(tmp_path):
    rng = np.random.default_rng(0)
    features = pd.DataFrame({"customer_id": SNAPSHOT, "x": np.r_[rng.uniform(0, 1, 100), rng.uniform(2, 3, 100)]})
    rows = [[f"C{i}", "low"] for i in range(0, 30)] + [[f"C{i}", "high"] for i in range(100, 130)] + [["X9", "low"]]
    labels_file(tmp_path / "ws", rows)
    model = fit_learnt(spec("loyalty", "learnt", labels="labels.csv"), features, tmp_path / "ws", seed=0)
    assert model.labels_file_ == str(tmp_path / "ws" / "labels.csv")
    assert model.n_not_in_snapshot_ == 1
    assert model.warnings_ == ["1 of 61 labelled customers in labels.csv are not in this snapshot (not consenting "
                               "to profiling, or unknown): ignored."]
    assert (np.array(model.segment_names_)[model.labels_] == np.repeat(["low", "high"], 100)).all()


@pytest.mark.parametrize("options, expected", [
    ({}, "kenal.toml: [segmentations.loyalty]: labels = '' is not the path of a .csv or .parquet file with columns "
         "customer_id and label (relative to the workspace folder, or absolute)"),
    ({"labels": "labels.xlsx"}, "kenal.toml: [segmentations.loyalty]: labels = 'labels.xlsx' is not the path of a "
                                ".csv or .parquet file with columns customer_id and label (relative to the workspace "
                                "folder, or absolute)"),
    ({"labels": "l.csv", "min_confidence": 1.5}, "kenal.toml: [segmentations.loyalty]: min_confidence = 1.5 is not "
                                                 "a share in [0, 1)"),
    ({"labels": "l.csv", "folds": 3}, "kenal.toml: [segmentations.loyalty]: unknown option(s) folds for kind "
                                      "'learnt'; known: labels, min_confidence"),
])
def test_options_are_checked_when_settings_are_read(options, expected):
    with pytest.raises(ConfigError) as exc_info:
        spec("loyalty", "learnt", **options)
    assert message(exc_info) == expected


def test_a_learnt_segmentation_in_kenal_toml(tmp_path):
    (tmp_path / "kenal.toml").write_text('[segmentations.loyalty]\nkind = "learnt"\nlabels = "labels.csv"\n'
                                         "min_confidence = 0.6\n")
    settings = load_settings(tmp_path)
    assert settings.segmentations == (spec("loyalty", "learnt", labels="labels.csv", min_confidence=0.6),)
    assert load_settings(tmp_path) == Settings(segmentations=settings.segmentations)
    assert 'labels = "labels.csv"\nmin_confidence = 0.6' in settings.to_toml()

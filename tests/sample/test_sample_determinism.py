"""Same seed, same data (down to the bytes of the files); another seed, other data."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from kenal.sample import generate_sample, write_sample


def _digest(folder) -> dict[str, str]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_same_seed_same_frames():
    a, b = generate_sample(400, seed=11), generate_sample(400, seed=11)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    for name in a.truth:
        pd.testing.assert_frame_equal(a.truth[name], b.truth[name])
    assert a.defects == b.defects


def test_other_seed_other_data():
    a, b = generate_sample(400, seed=11), generate_sample(400, seed=12)
    for name in ("customers", "transactions", "events", "interactions", "fx_rates", "products"):
        assert not a.tables[name].equals(b.tables[name]), name
    assert not a.truth["segments"].equals(b.truth["segments"])


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_files_byte_identical(tmp_path, fmt):
    for run in ("a", "b"):
        data = generate_sample(300, seed=5)
        write_sample(data, tmp_path / run / "input", tmp_path / run / "truth", fmt=fmt)
    a, b = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert a == b
    truth = ["churn.csv", "defects.csv", "defects.json", "segments.csv", "texts.csv"]
    assert sorted(a) == sorted([f"{t}.{fmt}" for t in data.tables] + truth)


def test_csv_round_trip_keeps_strings(tmp_path):
    data = generate_sample(300, seed=5)
    write_sample(data, tmp_path / "in", tmp_path / "truth", fmt="csv")
    ev = pd.read_csv(tmp_path / "in" / "events.csv", dtype=str)
    assert list(ev["timestamp"]) == list(data.tables["events"]["timestamp"])
    assert list(ev["properties"].fillna("")) == list(data.tables["events"]["properties"].fillna(""))
    tx = pd.read_csv(tmp_path / "in" / "transactions.csv")
    assert (tx["amount"].to_numpy() == data.tables["transactions"]["amount"].to_numpy()).all()
    consents = pd.read_csv(tmp_path / "in" / "consents.csv")
    assert consents["granted"].dtype == bool

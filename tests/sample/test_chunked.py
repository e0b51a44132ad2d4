"""write_sample_chunked: parts per chunk, keys unique over all parts, truth summed, deterministic."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from kenal.errors import ConfigError
from kenal.sample import generate_sample, write_sample, write_sample_chunked
from kenal.sample._util import ids
from kenal.sample.customers import phone_keys
from kenal.sample.generate import check_args, generate_chunk
from kenal.schema import TABLES

N, CHUNK, SEED = 1_200, 400, 5
PER_CUSTOMER = ("customers", "transactions", "transaction_items", "events", "interactions",
                "consents")
BOTS = "bot|curl|python|Scrapy|Headless|Go-http"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    root = tmp_path_factory.mktemp("chunked")
    done = []
    totals = write_sample_chunked(N, root / "input", root / "truth", chunk_customers=CHUNK,
                                  seed=SEED, progress=lambda i, k: done.append((i, k)))
    return root, totals, done


def _read(root, name) -> pd.DataFrame:
    return ds.dataset(root / "input" / name, format="parquet").to_table().to_pandas()


def _part(root, name, i) -> pd.DataFrame:
    return pq.read_table(root / "input" / name / f"part-{i:05d}.parquet").to_pandas()


def test_parts_and_totals(out):
    root, totals, done = out
    assert done == [(1, 3), (2, 3), (3, 3)] and totals["chunks"] == 3
    for name in TABLES:
        parts = sorted(p.name for p in (root / "input" / name).iterdir())
        assert parts == ([f"part-{i:05d}.parquet" for i in range(3)] if name in PER_CUSTOMER
                         else ["part-00000.parquet"]), name
        table = ds.dataset(root / "input" / name, format="parquet").to_table()
        assert table.num_rows == totals["rows"][name], name
        assert table.column_names == TABLES[name].column_names, name
    assert totals["rows"]["customers"] == N
    # The shared tables are written once: exactly one sample's worth.
    one = generate_sample(50, seed=SEED)
    for name in ("products", "fx_rates", "external"):
        pd.testing.assert_frame_equal(_read(root, name), one.tables[name], check_dtype=False)


def test_keys_unique_over_all_parts(out):
    root, _, _ = out
    customers = _read(root, "customers")
    for col in ("customer_id", "email", "phone"):
        assert customers[col].is_unique, col
    assert customers["phone"].str.fullmatch(r"\+628\d{8,11}").all()
    txns = _read(root, "transactions")
    assert txns.drop_duplicates()["transaction_id"].is_unique
    assert _read(root, "interactions")["interaction_id"].is_unique
    events = _read(root, "events")
    assert events["message_id"].is_unique
    # A session and an anonymous id belong to one chunk: no part shares one with another.
    for col in ("session_id", "anonymous_id"):
        per_part = [set(_part(root, "events", i)[col]) for i in range(3)]
        assert sum(map(len, per_part)) == len(set().union(*per_part)), col
    assert not _read(root, "consents").duplicated(["customer_id", "purpose"]).any()


def test_foreign_keys_point_into_the_whole_output(out):
    root, _, _ = out
    customers = set(_read(root, "customers")["customer_id"])
    for name in ("transactions", "interactions", "consents"):
        assert set(_read(root, name)["customer_id"]) <= customers, name
    events = _read(root, "events")
    assert set(events["customer_id"].dropna()) <= customers
    txns = _read(root, "transactions")
    items = _read(root, "transaction_items")
    assert set(items["transaction_id"]) == set(txns["transaction_id"])
    assert set(items["product_id"]) <= set(_read(root, "products")["product_id"])
    # "Order Completed" names its transaction, of the same customer, in every chunk.
    orders = events[events["event"] == "Order Completed"].dropna(subset=["customer_id"])
    order_id = orders["properties"].map(lambda p: json.loads(p)["order_id"])
    owner = txns.drop_duplicates("transaction_id").set_index("transaction_id")["customer_id"]
    assert (owner.reindex(order_id).to_numpy() == orders["customer_id"].to_numpy()).all()
    assert len(orders) > 1000
    # Every chunk sells the one catalogue that was written: its events quote its prices.
    products = _read(root, "products").set_index("product_id")
    viewed = events[events["event"] == "Product Viewed"]["properties"].map(json.loads)
    quoted = pd.DataFrame(list(viewed)).drop_duplicates("product_id").set_index("product_id")
    assert len(quoted) > 1000
    assert (quoted["price"] == products["price"].reindex(quoted.index)).all()
    assert (quoted["category"] == products["category"].reindex(quoted.index)).all()
    truth = pd.read_csv(root / "truth" / "segments.csv")
    assert list(truth["customer_id"]) == list(_read(root, "customers")["customer_id"])


def test_truth_and_defect_counts(out):
    root, totals, _ = out
    counts = json.loads((root / "truth" / "defects.json").read_text())
    assert counts == totals["defects"]
    planted = pd.read_csv(root / "truth" / "defects.csv")
    assert counts == {k: int((planted["defect"] == k).sum()) for k in counts}
    # Each chunk plants its own defects (at least one of each kind): the totals are their sums.
    assert all(v >= 3 for v in counts.values())
    events = _read(root, "events")
    assert counts["bot_events"] == events["user_agent"].str.contains(BOTS).sum()
    assert counts["duplicate_transactions"] == _read(root, "transactions").duplicated().sum()
    assert counts["missing_income"] == _read(root, "customers")["income"].isna().sum()
    texts = pd.read_csv(root / "truth" / "texts.csv")
    assert counts["spam_texts"] == texts["spam"].sum()
    assert list(texts["interaction_id"]) == list(_read(root, "interactions")["interaction_id"])
    for table, key in (("transactions", "transaction_id"), ("events", "message_id"),
                       ("customers", "customer_id"), ("interactions", "interaction_id")):
        keys = planted.loc[planted["table"] == table, "key"]
        if table == "events":
            keys = keys[~planted["defect"].isin(["bot_sessions"])]
        assert set(keys) <= set(_read(root, table)[key]), table


def test_chunk_zero_is_generate_sample_and_later_chunks_differ(out):
    root, _, _ = out
    alone = generate_sample(CHUNK, seed=SEED)
    for name in PER_CUSTOMER:
        pd.testing.assert_frame_equal(_part(root, name, 0), alone.tables[name],
                                      check_dtype=False)
    first, second = _part(root, "customers", 0), _part(root, "customers", 1)
    for col in ("name", "created_at", "birth_year"):
        assert not first[col].equals(second[col]), col
    assert _part(root, "customers", 2)["customer_id"].iloc[-1] == "C0001200"


def test_same_seed_same_files(out, tmp_path):
    root, _, _ = out
    write_sample_chunked(N, tmp_path / "input", tmp_path / "truth", chunk_customers=CHUNK,
                         seed=SEED)

    def digest(folder):
        return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    assert digest(tmp_path) == digest(root)


def test_one_chunk_writes_what_write_sample_writes(tmp_path):
    write_sample_chunked(300, tmp_path / "c" / "input", tmp_path / "c" / "truth", seed=2)
    data = generate_sample(300, seed=2)
    write_sample(data, tmp_path / "w" / "input", tmp_path / "w" / "truth")
    for name in TABLES:
        chunked = pq.read_table(tmp_path / "c" / "input" / name / "part-00000.parquet")
        assert chunked.equals(pq.read_table(tmp_path / "w" / "input" / f"{name}.parquet")), name
    for name in ("segments.csv", "churn.csv", "texts.csv", "defects.csv", "defects.json"):
        written = (tmp_path / "w" / "truth" / name).read_bytes()
        assert (tmp_path / "c" / "truth" / name).read_bytes() == written, name


def test_rerun_replaces_the_parts_of_a_longer_run(tmp_path):
    write_sample_chunked(600, tmp_path / "input", tmp_path / "truth", chunk_customers=200)
    totals = write_sample_chunked(300, tmp_path / "input", tmp_path / "truth",
                                  chunk_customers=200)
    assert len(list((tmp_path / "input" / "customers").iterdir())) == 2
    customers = ds.dataset(tmp_path / "input" / "customers", format="parquet").to_table()
    assert customers.num_rows == totals["rows"]["customers"] == 300


def test_ids_and_contacts_follow_the_earlier_chunks():
    """The same draws twice: only the IdStart keeps the second chunk's keys new.

    (Random hex ids, message_id and anonymous_id, differ because chunks have their own seeds.)
    """
    n, clock = check_args(300, "2026-06-30")
    a, after_a = generate_chunk(n, clock, 1, [1, 1], True)
    b, _ = generate_chunk(n, clock, 1, [1, 1], True, after_a)
    assert a.tables["customers"]["name"].equals(b.tables["customers"]["name"])  # same draws
    for name, col in (("customers", "customer_id"), ("customers", "email"),
                      ("customers", "phone"), ("transactions", "transaction_id"),
                      ("events", "session_id"), ("interactions", "interaction_id")):
        assert not set(a.tables[name][col]) & set(b.tables[name][col]), (name, col)
    # Every phone was taken: each got the row-number form, counted from the chunk's first row.
    assert b.tables["customers"]["phone"].str.fullmatch(r"\+628\d\d9\d{8}").all()
    assert b.tables["customers"]["phone"].str[-8:].astype(int).min() == 300
    assert after_a.customers == 300 and len(after_a.phones) == 300
    assert np.isin(phone_keys(pa.array(b.tables["customers"]["phone"])), after_a.phones).sum() == 0


def test_ids_never_cut_a_number():
    assert ids("T", np.array([7, 99_999_999, 100_000_000]), 8).to_pylist() == [
        "T00000007", "T99999999", "T100000000"]
    assert ids("T", np.array([100_000_000]), 8).to_pylist() == ["T100000000"]


@pytest.mark.parametrize("kwargs, message", [
    ({"chunk_customers": 0}, "chunk_customers must be a positive integer, got 0"),
    ({"chunk_customers": 2.5}, "chunk_customers must be a positive integer, got 2.5"),
    ({"n_customers": 0}, "n_customers must be a positive integer, got 0"),
    ({"cutoff": "June"}, "cutoff must be a date like 2026-06-30, got 'June'"),
])
def test_bad_arguments(tmp_path, kwargs, message):
    args = {"n_customers": 10, "input_dir": tmp_path / "in", "truth_dir": tmp_path / "truth",
            **kwargs}
    with pytest.raises(ConfigError) as exc:
        write_sample_chunked(**args)
    assert str(exc.value) == message
    assert not (tmp_path / "in").exists()


def test_clean_sample_in_chunks(tmp_path):
    totals = write_sample_chunked(500, tmp_path / "input", tmp_path / "truth",
                                  chunk_customers=200, seed=4, defects=False)
    assert totals["chunks"] == 3 and set(totals["defects"].values()) == {0}
    assert json.loads((tmp_path / "truth" / "defects.json").read_text()) == totals["defects"]
    assert len(pd.read_csv(tmp_path / "truth" / "defects.csv")) == 0
    customers = ds.dataset(tmp_path / "input" / "customers", format="parquet").to_table()
    assert customers.num_rows == 500 and customers["income"].null_count == 0


def test_ingest_reads_the_chunked_folders_whole(out, tmp_path):
    from kenal.config import Settings
    from kenal.ingest import ingest
    from kenal.store import Store

    root, totals, _ = out
    with Store.open(tmp_path / "ws", Settings()) as store:
        report = ingest(store, root / "input")
    assert {t: c.read for t, c in report.tables.items()} == totals["rows"]
    tx = report.tables["transactions"]
    assert tx.duplicates == totals["defects"]["duplicate_transactions"]
    assert tx.reasons == {"unknown_currency": totals["defects"]["unknown_currency"]}

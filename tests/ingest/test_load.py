"""A first load keeps the staged rows as the table (on DuckDB, without writing them again); a later
load appends.  Both must keep exactly the same rows and columns."""

from __future__ import annotations

from kenal.ingest import ingest
from kenal.ingest.load import canonical_columns
from kenal.schema import TABLES
from tests.conftest import write_csv

HEADER = ["transaction_id", "customer_id", "timestamp", "amount", "currency"]
ROWS = [["T1", "C1", "2026-01-01", "10", "IDR"],
        ["T2", "C1", "2026-01-02", "20", "IDR"],
        ["T3", "C2", "2026-01-03", "not a number", "IDR"],  # quarantined: bad amount
        ["T1", "C1", "2026-01-01", "10", "IDR"],  # a repeat of row 1
        ["T2", "C1", "2026-01-02", "99", "IDR"],  # the key of row 2 with other content: a conflict
        ["T4", "C2", "2026-01-04", "40", "IDR"]]


def loaded(store):
    t = store.table("transactions")
    return t.columns, t.order_by("_source_row").select("transaction_id", "amount", "_source_row").execute()


def test_a_first_load_keeps_the_good_first_rows_and_only_the_canonical_columns(store, tmp_path):
    write_csv(tmp_path / "in", "transactions", HEADER, ROWS)
    c = ingest(store, tmp_path / "in").tables["transactions"]
    assert (c.read, c.loaded, c.duplicates, c.quarantined) == (6, 3, 1, 2)
    columns, rows = loaded(store)
    assert list(columns) == canonical_columns(TABLES["transactions"], store.table("transactions"))
    assert rows.values.tolist() == [["T1", 10.0, 1], ["T2", 20.0, 2], ["T4", 40.0, 6]]
    assert [t for t in store.con.list_tables() if t.startswith("_kenal")] == []  # no staging left behind


def test_a_load_into_a_table_with_rows_appends_the_same_rows(store, tmp_path):
    write_csv(tmp_path / "first", "transactions", HEADER, [["T0", "C9", "2025-12-31", "5", "IDR"]])
    ingest(store, tmp_path / "first")
    write_csv(tmp_path / "in", "transactions", HEADER, ROWS)
    c = ingest(store, tmp_path / "in").tables["transactions"]
    assert (c.read, c.loaded, c.duplicates, c.quarantined) == (6, 3, 1, 2)
    _, rows = loaded(store)
    assert sorted(rows.values.tolist()) == [["T0", 5.0, 1], ["T1", 10.0, 1], ["T2", 20.0, 2], ["T4", 40.0, 6]]

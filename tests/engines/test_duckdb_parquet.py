"""On DuckDB an ingested table is a view over Parquet parts under W/tables: the parsed rows are
written once.  The view must hold exactly the loaded rows, survive moving the workspace, and read
only the parts it registered."""

from __future__ import annotations

import shutil

import pandas as pd

from kenal.config import Settings
from kenal.engines.duckdb import TABLES_DIR
from kenal.ingest import ingest
from kenal.store import Store
from tests.conftest import write_csv
from tests.ingest.test_load import HEADER, ROWS


def transaction_ids(store: Store) -> list[str]:
    return sorted(store.table("transactions").transaction_id.execute())


def test_the_parts_leave_out_bad_and_repeated_rows_and_move_with_the_workspace(tmp_path):
    write_csv(tmp_path / "in", "transactions", HEADER, ROWS)
    with Store.open(tmp_path / "ws", Settings()) as store:
        ingest(store, tmp_path / "in")
    # One part: the staged file as it was written (all six rows) and the file of the rows it leaves out.
    folder = tmp_path / "ws" / TABLES_DIR / "transactions"
    (removed,) = folder.glob("*-removed.parquet")
    (part,) = set(folder.iterdir()) - {removed}
    assert len(pd.read_parquet(part)) == 6
    assert sorted(pd.read_parquet(removed)._source_row) == [3, 4, 5]

    shutil.move(tmp_path / "ws", tmp_path / "moved")
    with Store.open(tmp_path / "moved", Settings()) as store:
        assert transaction_ids(store) == ["T1", "T2", "T4"]


def test_a_part_file_the_view_never_registered_is_not_read(tmp_path):
    """A file left in the table's folder (an ingest that died before its view was replaced) is ignored."""
    write_csv(tmp_path / "first", "transactions", HEADER, [["T0", "C9", "2025-12-31", "5", "IDR"]])
    with Store.open(tmp_path / "ws", Settings()) as store:
        ingest(store, tmp_path / "first")
        folder = tmp_path / "ws" / TABLES_DIR / "transactions"
        (part,) = folder.iterdir()
        shutil.copy(part, folder / "left-behind.parquet")
        write_csv(tmp_path / "second", "transactions", HEADER, [["T5", "C9", "2026-01-05", "7", "IDR"]])
        counts = ingest(store, tmp_path / "second").tables["transactions"]
        assert (counts.read, counts.loaded, counts.duplicates) == (1, 1, 0)
        assert transaction_ids(store) == ["T0", "T5"]
        assert len(list(folder.iterdir())) == 3  # two registered parts and the stray file


def test_writing_over_an_ingested_table_replaces_its_parts(tmp_path):
    write_csv(tmp_path / "in", "transactions", HEADER, ROWS)
    with Store.open(tmp_path / "ws", Settings()) as store:
        ingest(store, tmp_path / "in")
        old = store.table("transactions")
        store.write("transactions", old.filter(old.transaction_id != "T2"))  # reads the table it replaces
        assert transaction_ids(store) == ["T1", "T4"]
        assert not (tmp_path / "ws" / TABLES_DIR / "transactions").exists()
        store.drop("transactions")
        assert not store.has("transactions")

"""The embedded default: one DuckDB file in the workspace, the ingested tables as Parquet beside it."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from kenal.config import Settings
from kenal.store import Store, duckdb_session

DUCKDB_FILE = "kenal.duckdb"
TABLES_DIR = "tables"  # W/tables/<name>/: the Parquet parts of each ingested table
PARTS = "_parquet_parts"  # which parts make which table: the view over them is rebuilt from it


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBStore(Store):
    """Tables in ``W/kenal.duckdb``.  An ingested table is a view over Parquet parts in ``W/tables``:
    ingest writes a file's parsed rows once, to the staged Parquet file that becomes the first part.
    A DuckDB table is slow to write (10.7M events staged: 19.0 s into a table, 11.7 s into Parquet;
    ingest at 1M customers: 413 s, now 220 s).  Every other table is a DuckDB table."""

    engine = "duckdb"

    def __init__(self, con: ibis.BaseBackend, settings: Settings, workspace: Path | None = None):
        super().__init__(con, settings, workspace)
        self._staged_files: dict[str, str] = {}  # staged table -> its Parquet file
        for name in con.list_tables(like="^_kenal_(staged|new)_"):  # left by a run that died
            con.drop_table(name, force=True)

    @classmethod
    def connect(cls, workspace: Path, settings: Settings) -> "DuckDBStore":
        con = duckdb_session(ibis.duckdb.connect(str(workspace / DUCKDB_FILE)), settings, workspace)
        # The views name their parts relative to the workspace, so a workspace can be moved or copied.
        # The setting belongs to this connection: a cursor of it would not find the parts.
        con.raw_sql(f"SET file_search_path = {_quoted(str(Path(workspace).resolve()))}")
        return cls(con, settings, workspace)

    @property
    def reader(self) -> ibis.BaseBackend:
        """Input files are read by this same connection."""
        return self.con

    def load_raw(self, raw):
        return raw

    def stage(self, expr: ir.Table) -> ir.Table:
        """A Parquet file: a first load adopts it whole as the table (:meth:`adopt`)."""
        path = self.staging_path("staged") + ".parquet"
        self._write_parquet(expr, path)
        staged = self.con.read_parquet(path)
        self._staged_files[staged.get_name()] = path
        return staged

    def spill(self, expr: ir.Table) -> ir.Table:
        """Written to Parquet and scanned back: a DuckDB temporary table is kept uncompressed, ~5x the
        size of its Parquet, so 100 million events would spill tens of GB."""
        path = self.staging_path("spill") + ".parquet"
        self.con.to_parquet(expr, path)
        return self.con.read_parquet(path)

    def adopt(self, name: str, staged: ir.Table, columns: list[str], remove: ir.Table) -> bool:
        # The rows of ``remove`` are left out by the view, so no row is written again.
        path = self._staged_files.pop(staged.get_name())
        removed = None
        if int(remove.count().execute()):
            removed = path.removesuffix(".parquet") + "-removed.parquet"
            self._write_parquet(remove.select(remove._source_row.cast("int64")), removed)
        self.drop(name)
        self._add_part(name, path, removed, columns)
        return True

    def append(self, name: str, data: ir.Table | pd.DataFrame | pa.Table) -> None:
        if not self._in_parquet(name):
            return super().append(name, data)
        self._forget(name)
        path = self.staging_path("part") + ".parquet"
        self._write_parquet(data, path)
        self._add_part(name, path, None, self.table(name).columns)

    def write(self, name: str, data: ir.Table | pd.DataFrame | pa.Table) -> None:
        if not self._in_parquet(name):
            return super().write(name, data)
        temporary = f"_kenal_new_{uuid.uuid4().hex}"  # ``data`` may read the table it replaces
        self.con.create_table(temporary, data)
        self._drop_parts(name, then=f'ALTER TABLE "{temporary}" RENAME TO "{name}"')

    def drop(self, name: str) -> None:
        if not self._in_parquet(name):
            return super().drop(name)
        self._drop_parts(name)

    def _drop_parts(self, name: str, then: str | None = None) -> None:
        """Drop the view and its parts' registration (and run ``then``) in one transaction; only then
        delete the files."""
        self._forget(name)
        with self._transaction():
            self.con.raw_sql(f'DROP VIEW "{name}"')
            self.con.raw_sql(f"DELETE FROM {PARTS} WHERE table_name = {_quoted(name)}")
            if then:
                self.con.raw_sql(then)
        shutil.rmtree(self.workspace / TABLES_DIR / name, ignore_errors=True)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.raw_sql("BEGIN")
        try:
            yield
        except BaseException:
            self.con.raw_sql("ROLLBACK")
            raise
        self.con.raw_sql("COMMIT")

    def clear_staging(self) -> None:
        super().clear_staging()
        self._staged_files.clear()

    def _in_parquet(self, name: str) -> bool:
        return self.has(PARTS) and bool(
            self.con.sql(f"SELECT count(*) AS n FROM {PARTS} WHERE table_name = {_quoted(name)}").execute().n[0])

    def _write_parquet(self, data: ir.Table | pd.DataFrame | pa.Table, path: str) -> None:
        # Rows keep their file order in ``_source_row``, not in storage: writing them in any order
        # lets DuckDB's threads skip reordering.
        self.con.raw_sql("SET preserve_insertion_order = false")
        try:
            self.con.to_parquet(data if isinstance(data, ir.Table) else ibis.memtable(data), path)
        finally:
            self.con.raw_sql("RESET preserve_insertion_order")

    def _add_part(self, name: str, path: str, removed: str | None, columns: list[str]) -> None:
        """Move a Parquet file (and the file of its rows to leave out) under W/tables/<name>, then
        make ``name`` the view over all its parts.  Registering the part and replacing the view is one
        transaction: a part file that never made it into the view is never read."""
        folder = Path(TABLES_DIR, name)
        (self.workspace / folder).mkdir(parents=True, exist_ok=True)
        part_id = uuid.uuid4().hex
        part, leave_out = folder / f"{part_id}.parquet", folder / f"{part_id}-removed.parquet" if removed else None
        os.replace(path, self.workspace / part)
        if removed:
            os.replace(removed, self.workspace / leave_out)
        self.con.raw_sql(f"CREATE TABLE IF NOT EXISTS {PARTS} "
                         f"(table_name VARCHAR, part VARCHAR, removed VARCHAR, added TIMESTAMPTZ DEFAULT now())")
        try:
            with self._transaction():
                self._register(name, part, leave_out, columns)
        except BaseException:
            for f in (part, leave_out):
                if f is not None:
                    (self.workspace / f).unlink(missing_ok=True)
            raise

    def _register(self, name: str, part: Path, leave_out: Path | None, columns: list[str]) -> None:
        self.con.raw_sql(f"INSERT INTO {PARTS} (table_name, part, removed) VALUES ({_quoted(name)}, "
                         f"{_quoted(part.as_posix())}, {_quoted(leave_out.as_posix()) if leave_out else 'NULL'})")
        parts = self.con.sql(f"SELECT part, removed FROM {PARTS} WHERE table_name = {_quoted(name)} "
                             f"ORDER BY added, part").execute()
        select = ", ".join(f'"{c}"' for c in columns)
        whole = [p for p, r in zip(parts.part, parts.removed) if not isinstance(r, str)]
        # A first part keeps ingest's own columns (reasons, zone flags): parts are matched by name.
        queries = [f"SELECT {select} FROM read_parquet([{', '.join(map(_quoted, whole))}], union_by_name = true)"
                   ] if whole else []
        queries += [f"SELECT {select} FROM read_parquet({_quoted(p)}) AS part ANTI JOIN read_parquet({_quoted(r)}) "
                    f"AS removed USING (_source_row)" for p, r in zip(parts.part, parts.removed) if isinstance(r, str)]
        self.con.raw_sql(f'CREATE OR REPLACE VIEW "{name}" AS ' + " UNION ALL ".join(queries))

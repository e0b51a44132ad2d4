"""The embedded default: one DuckDB file in the workspace."""

from __future__ import annotations

from pathlib import Path

import ibis

from kenal.config import Settings
from kenal.store import Store, duckdb_session

DUCKDB_FILE = "kenal.duckdb"


class DuckDBStore(Store):
    engine = "duckdb"

    @classmethod
    def connect(cls, workspace: Path, settings: Settings) -> "DuckDBStore":
        con = duckdb_session(ibis.duckdb.connect(str(workspace / DUCKDB_FILE)), settings, workspace)
        return cls(con, settings, workspace)

    @property
    def reader(self) -> ibis.BaseBackend:
        """Input files are read by this same connection."""
        return self.con

    def load_raw(self, raw):
        return raw

    def spill(self, expr: ibis.Table) -> ibis.Table:
        """Written to Parquet and scanned back: a DuckDB temporary table is kept uncompressed, ~5x the
        size of its Parquet, so 100 million events would spill tens of GB."""
        path = self.staging_path("spill") + ".parquet"
        self.con.to_parquet(expr, path)
        return self.con.read_parquet(path)

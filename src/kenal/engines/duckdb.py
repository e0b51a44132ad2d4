"""The embedded default: one DuckDB file in the workspace."""

from __future__ import annotations

from pathlib import Path

import ibis

from kenal.config import Settings
from kenal.store import Store

DUCKDB_FILE = "kenal.duckdb"
TEMP_DIR = ".duckdb-tmp"


class DuckDBStore(Store):
    engine = "duckdb"

    @classmethod
    def connect(cls, workspace: Path, settings: Settings) -> "DuckDBStore":
        con = ibis.duckdb.connect(str(workspace / DUCKDB_FILE))
        # Every engine's session runs in UTC; the workspace's zone is applied by kenal.clock.
        con.raw_sql("SET TimeZone = 'UTC'")
        con.raw_sql("SET enable_progress_bar = false")  # kenal shows its own progress
        # Bounded memory: what does not fit spills to the workspace rather than growing without limit.
        con.raw_sql(f"SET memory_limit = '{settings.memory_limit}'")
        con.raw_sql(f"SET temp_directory = '{workspace / TEMP_DIR}'")
        return cls(con, settings, workspace)

    @property
    def reader(self) -> ibis.BaseBackend:
        """Input files are read by this same connection."""
        return self.con

    def load_raw(self, raw):
        return raw

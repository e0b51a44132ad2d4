"""The store: where every table lives.  An Ibis connection; DuckDB in the workspace by default."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import ibis
import pandas as pd

from kenal.config import Settings
from kenal.errors import WorkspaceError

log = logging.getLogger(__name__)
DUCKDB_FILE = "kenal.duckdb"


class Store:
    """Tables of one workspace, behind an Ibis connection."""

    def __init__(self, con: ibis.BaseBackend, settings: Settings):
        self.con = con
        self.settings = settings

    @classmethod
    def open(cls, workspace: Path, settings: Settings) -> "Store":
        workspace = Path(workspace)
        workspace.mkdir(parents=True, exist_ok=True)
        con = ibis.duckdb.connect(str(workspace / DUCKDB_FILE))
        # Naive timestamps in the input mean the workspace's zone, and date parts (day of week)
        # of stored instants are read on the workspace's clock.
        con.raw_sql(f"SET TimeZone = '{settings.timezone}'")
        con.raw_sql("SET enable_progress_bar = false")  # kenal shows its own progress
        return cls(con, settings)

    def close(self) -> None:
        self.con.disconnect()

    def has(self, name: str) -> bool:
        return name in self.con.list_tables()

    def table(self, name: str) -> ibis.Table:
        if not self.has(name):
            raise WorkspaceError(f"the workspace has no table '{name}'; run 'kenal ingest' first")
        return self.con.table(name)

    def write(self, name: str, data: ibis.Table | pd.DataFrame) -> None:
        """Create or replace ``name`` with ``data``."""
        self.con.create_table(name, data, overwrite=True)

    def append(self, name: str, data: ibis.Table | pd.DataFrame) -> None:
        """Append rows, creating the table on first use."""
        if self.has(name):
            self.con.insert(name, data)
        else:
            self.con.create_table(name, data)

    def data_cutoff(self, now: datetime | None = None) -> datetime:
        """The latest purchase (else event) that is not in the future: the data's own cut-off."""
        now = now or datetime.now(timezone.utc)
        for name in ("transactions", "events"):
            if self.has(name):
                t = self.table(name)
                latest = t.filter(t.timestamp <= ibis.literal(now, type="timestamp('UTC')")).timestamp.max().execute()
                if latest is not None and latest == latest:
                    return pd.Timestamp(latest).to_pydatetime()
        return now

    def count(self, name: str) -> int:
        return int(self.table(name).count().execute()) if self.has(name) else 0

"""The store: where every table lives.  An Ibis connection to DuckDB (the default), PostgreSQL or Spark.

Stages use only this interface and Ibis expressions, so the same code runs on every engine; what
differs between engines (how a table is kept, how a file reaches the engine) lives in
:mod:`kenal.engines`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from kenal.config import Settings
from kenal.errors import WorkspaceError

log = logging.getLogger(__name__)


class Store:
    """Tables of one workspace, behind an Ibis connection."""

    engine = "duckdb"

    def __init__(self, con: ibis.BaseBackend, settings: Settings, workspace: Path | None = None):
        self.con = con
        self.settings = settings
        self.workspace = Path(workspace) if workspace is not None else None
        self._reader: ibis.BaseBackend | None = None

    @classmethod
    def open(cls, workspace: Path, settings: Settings) -> "Store":
        """The store of ``workspace`` on ``settings.engine``."""
        from kenal.engines import open_store

        return open_store(Path(workspace), settings)

    def close(self) -> None:
        self._close_reader()
        self.con.disconnect()

    @property
    def reader(self) -> ibis.BaseBackend:
        """The in-memory DuckDB that reads input files on this machine for :meth:`load_raw`."""
        if self._reader is None:
            self._reader = ibis.duckdb.connect()
            self._reader.raw_sql("SET TimeZone = 'UTC'")
            # A whole input file passes through it: bounded, spilling to the workspace.
            self._reader.raw_sql(f"SET memory_limit = '{self.settings.memory_limit}'")
            self._reader.raw_sql(f"SET temp_directory = '{self.workspace / '.duckdb-tmp'}'")
        return self._reader

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.disconnect()
            self._reader = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def has(self, name: str) -> bool:
        return name in self.con.list_tables()

    def table(self, name: str) -> ibis.Table:
        if not self.has(name):
            raise WorkspaceError(f"the workspace has no table '{name}'; run 'kenal ingest' first")
        return self.con.table(name)

    def write(self, name: str, data: ibis.Table | pd.DataFrame | pa.Table) -> None:
        """Create or replace ``name`` with ``data``."""
        self.con.create_table(name, data, overwrite=True)

    def append(self, name: str, data: ibis.Table | pd.DataFrame | pa.Table) -> None:
        """Append rows, creating the table on first use."""
        if self.has(name):
            self.con.insert(name, data)
        else:
            self.con.create_table(name, data)

    def drop(self, name: str) -> None:
        self.con.drop_table(name, force=True)

    def materialise(self, expr: ir.Table) -> ir.Table:
        """``expr`` computed once and kept for this session, so several queries reuse it."""
        return expr.cache()

    def load_raw(self, raw: ir.Table) -> ir.Table:
        """A file as :attr:`reader` read it (a table and ``_source_row``), copied into the engine."""
        raise NotImplementedError

    def data_cutoff(self, now: datetime | None = None) -> datetime:
        """The latest purchase (else event) that is not in the future: the data's own cut-off."""
        now = now or datetime.now(timezone.utc)
        for name in ("transactions", "events"):
            if self.has(name):
                t = self.table(name)
                latest = t.filter(t.timestamp <= ibis.literal(now, type="timestamp('UTC')")).timestamp.max().execute()
                if latest is not None and latest == latest:
                    latest = pd.Timestamp(latest)  # Spark returns the UTC value without its zone
                    return (latest if latest.tzinfo else latest.tz_localize("UTC")).to_pydatetime()
        return now

    def count(self, name: str) -> int:
        return int(self.table(name).count().execute()) if self.has(name) else 0

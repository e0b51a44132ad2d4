"""The store: where every table lives.  An Ibis connection to DuckDB (the default), PostgreSQL or Spark.

Stages use only this interface and Ibis expressions, so the same code runs on every engine; what
differs between engines (how a table is kept, how a file reaches the engine) lives in
:mod:`kenal.engines`.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import ibis
import ibis.backends.sql.compilers as sql_compilers
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from kenal.config import Settings
from kenal.errors import WorkspaceError

log = logging.getLogger(__name__)
DUCKDB_TEMP_DIR = ".duckdb-tmp"
STAGING_DIR = ".staging"  # intermediates written to disk in a session; removed when the store closes


class DuckDBCompiler(type(sql_compilers.duckdb.compiler)):
    """Ibis's DuckDB SQL, with the epoch seconds of a zoned timestamp taken directly: Ibis casts it to
    a naive timestamp first, which DuckDB does through its time-zone calendar, five times slower
    (10M events: 2.0 s, not 0.4 s).  Sessions, spans and gaps take epoch seconds of every event."""

    def visit_ExtractEpochSeconds(self, op, *, arg):
        if op.arg.dtype.is_timestamp() and op.arg.dtype.timezone is not None:
            return self.f.epoch(arg)
        return super().visit_ExtractEpochSeconds(op, arg=arg)


def duckdb_session(con: ibis.BaseBackend, settings: Settings, workspace: Path) -> ibis.BaseBackend:
    """A DuckDB connection set up as every kenal DuckDB is: UTC (the workspace's zone is applied by
    kenal.clock), bounded memory, spilling to the workspace rather than growing without limit, and
    :class:`DuckDBCompiler`."""
    con.compiler = DuckDBCompiler()
    con.raw_sql("SET TimeZone = 'UTC'")
    con.raw_sql("SET enable_progress_bar = false")  # kenal shows its own progress
    con.raw_sql(f"SET memory_limit = '{settings.memory_limit}'")
    con.raw_sql(f"SET temp_directory = '{workspace / DUCKDB_TEMP_DIR}'")
    return con


def conform(t: ibis.Table, schema: dict) -> ibis.Table:
    """``t`` with exactly ``schema``'s columns, in its order and types; NULL where ``t`` lacks one."""
    return t.select(*[(t[c].cast(dtype) if c in t.columns else ibis.null(dtype)).name(c)
                      for c, dtype in schema.items()])


def as_text(raw: ibis.Table) -> ibis.Table:
    """A file as read, every column as text beside ``_source_row``: how it is handed to another engine."""
    return raw.select(**{c: raw[c].cast("string") for c in raw.columns if c != "_source_row"},
                      _source_row=raw._source_row)


class Store:
    """Tables of one workspace, behind an Ibis connection."""

    engine = "duckdb"
    reads_parquet = False  # whether :meth:`scan_parquet` reads Parquet sources in the engine itself

    def __init__(self, con: ibis.BaseBackend, settings: Settings, workspace: Path | None = None):
        self.con = con
        self.settings = settings
        self.workspace = Path(workspace) if workspace is not None else None
        self._reader: ibis.BaseBackend | None = None
        self._staged = 0
        self._shared: dict[tuple, tuple[tuple[str, ...], ir.Table]] = {}  # key -> (tables read, result)

    @classmethod
    def open(cls, workspace: Path, settings: Settings) -> "Store":
        """The store of ``workspace`` on ``settings.engine``."""
        from kenal.engines import open_store

        return open_store(Path(workspace), settings)

    def close(self) -> None:
        self._close_reader()
        self._release_materialised()
        self.clear_staging()
        self.con.disconnect()

    def _release_materialised(self) -> None:
        """Drop this session's materialised tables now; left to the garbage collector, Ibis would
        try to drop them through a closed connection and raise."""
        for name in list(getattr(self.con, "_cache_name_to_entry", {})):
            self.con._finalize_cached_table(name)

    def staging_path(self, kind: str) -> str:
        """A fresh path under W/.staging for an intermediate of this session."""
        self._staged += 1
        path = Path(self.workspace, STAGING_DIR, f"{kind}-{self._staged}")
        path.parent.mkdir(parents=True, exist_ok=True)
        return str(path.resolve())

    def clear_staging(self) -> None:
        if self.workspace is not None:
            shutil.rmtree(self.workspace / STAGING_DIR, ignore_errors=True)

    @property
    def reader(self) -> ibis.BaseBackend:
        """The in-memory DuckDB that reads input files on this machine for :meth:`load_raw`."""
        if self._reader is None:  # a whole input file passes through it
            self._reader = duckdb_session(ibis.duckdb.connect(), self.settings, self.workspace)
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
        self._forget(name)
        self.con.create_table(name, data, overwrite=True)

    def append(self, name: str, data: ibis.Table | pd.DataFrame | pa.Table) -> None:
        """Append rows, creating the table on first use."""
        self._forget(name)
        if self.has(name):
            self.con.insert(name, data)
        else:
            self.con.create_table(name, data)

    def drop(self, name: str) -> None:
        self._forget(name)
        self.con.drop_table(name, force=True)

    def materialise(self, expr: ir.Table) -> ir.Table:
        """``expr`` computed once and kept for this session, so several queries reuse it."""
        return expr.cache()

    def shared(self, key: tuple, compute: Callable[[], ir.Table], reads: tuple[str, ...],
               large: bool = False) -> ir.Table:
        """``compute()`` materialised once for every caller asking for ``key`` (health and features
        read the same bot sessions); forgotten as soon as one of the tables it ``reads`` is written
        through the store.  Writing other tables keeps it: a run stores its health findings and its
        snapshot between health and features.  A ``large`` result is spilled (:meth:`spill`)."""
        if key not in self._shared:
            self._shared[key] = (reads, (self.spill if large else self.materialise)(compute()))
        return self._shared[key][1]

    def _forget(self, name: str) -> None:
        """Forget the shared results that read table ``name`` (it is about to change)."""
        for key in [k for k, (reads, _) in self._shared.items() if name in reads]:
            _, result = self._shared.pop(key)
            if isinstance(result, ir.CachedTable):
                # Ibis hands an alive cached table to any equal query: computed again over the
                # changed table, the same expression would otherwise return the old rows.
                self.con._finalize_cached_table(result.op().name)

    def spill(self, expr: ir.Table) -> ir.Table:
        """Like :meth:`materialise`, for an intermediate as large as the input: kept on disk, not in memory."""
        return self.materialise(expr)

    def stage(self, expr: ir.Table) -> ir.Table:
        """Ingest's staged rows of one file, computed once and scanned several times."""
        return self.spill(expr)

    def adopt(self, name: str, staged: ir.Table, columns: list[str], remove: ir.Table) -> bool:
        """Turn ``staged`` (from :meth:`stage`) into the new table ``name`` in place: the rows whose
        ``_source_row`` is in ``remove`` deleted, only ``columns`` kept.  Return False where the
        engine cannot; the caller then writes the rows itself."""
        return False

    def scan_parquet(self, files: list[Path], first_rows: list[int]) -> ir.Table:
        """Parquet parts as one table in the engine, with ``_source_row`` numbered from ``first_rows``
        (each part's first row number); only where :attr:`reads_parquet`."""
        raise NotImplementedError

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

"""Spark: tables are Parquet under the workspace (or a path / URI the user names), so they outlive the
Spark session; each is registered as a view when the store opens.

A table is a folder of numbered parts; writing a table adds a part and drops the older ones only
after the new part is complete, so a table can be rewritten from a query that reads it.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from kenal.config import Settings
from kenal.errors import EngineError, first_line
from kenal.store import Store, as_text, conform

TABLES_DIR = "spark"
_PART = re.compile(r"^\d{6}$")


def _check_master(master: str) -> None:
    """Fail fast on a standalone master that is not there (Spark itself would retry for minutes)."""
    if not master.startswith("spark://"):
        return
    for hostport in master[len("spark://"):].split(","):
        parsed = urlparse(f"//{hostport}")
        try:
            socket.create_connection((parsed.hostname, parsed.port or 7077), timeout=5).close()
            return
        except (OSError, ValueError):
            continue
    raise EngineError(f"the Spark master {master} cannot be reached; check the host and port and that the "
                      "master runs (or use --spark-master 'local[*]')")


def _session(settings: Settings):
    if not shutil.which("java") and not _java_home():
        raise EngineError("Spark needs a Java runtime (Java 17) and none was found; install it and put java "
                          "on PATH or set JAVA_HOME")
    _check_master(settings.spark_master)
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(settings.spark_master).appName("kenal")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", str(settings.spark_partitions))
               .config("spark.driver.memory", settings.spark_memory)
               .config("spark.sql.ansi.enabled", "false")
               # A quarantined row's JSON keeps its empty fields, as on the other engines.
               .config("spark.sql.jsonGenerator.ignoreNullFields", "false"))
    try:
        return builder.getOrCreate()
    except Exception as exc:  # PySpark raises its own and Py4J's errors
        raise EngineError(f"cannot start Spark with master '{settings.spark_master}': {first_line(exc)}; check the "
                          "master URL and the Java runtime (java -version should say 17)") from None


def _java_home() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(home) and Path(home, "bin", "java").exists()


class SparkStore(Store):
    engine = "spark"
    reads_parquet = True

    @classmethod
    def connect(cls, workspace: Path, settings: Settings) -> "SparkStore":
        session = _session(settings)
        store = cls(ibis.pyspark.connect(session), settings, workspace)
        store.root = settings.spark_path or str((workspace / TABLES_DIR).resolve())
        store._parts = {}  # table -> its part folders, oldest first
        store._scans = 0
        store._register_existing()
        return store

    # -- the file system, through Hadoop's API so any URI Spark can write to works -------------------
    def _fs_path(self, *names: str):
        jvm = self.con._session._jvm
        path = jvm.org.apache.hadoop.fs.Path("/".join([self.root.rstrip("/"), *names]))
        return path, path.getFileSystem(self.con._session._jsc.hadoopConfiguration())

    def _list_dirs(self, *names: str) -> list[str]:
        path, fs = self._fs_path(*names)
        if not fs.exists(path):
            return []
        return sorted(s.getPath().getName() for s in fs.listStatus(path) if s.isDirectory())

    def _delete(self, *names: str) -> None:
        path, fs = self._fs_path(*names)
        fs.delete(path, True)

    def _location(self, name: str, part: str) -> str:
        return "/".join([self.root.rstrip("/"), name, part])

    def _register_existing(self) -> None:
        for name in self._list_dirs():
            parts = [p for p in self._list_dirs(name) if _PART.match(p)]
            if parts:
                self._parts[name] = parts
                self._register(name)

    def _register(self, name: str) -> None:
        paths = [self._location(name, p) for p in self._parts[name]]
        self.con._session.read.parquet(*paths).createOrReplaceTempView(name)

    # -- the Store interface ---------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self._parts

    def _write_part(self, name: str, expr: ir.Table) -> str:
        parts = self._parts.get(name, [])
        part = f"{int(parts[-1]) + 1 if parts else 1:06d}"
        self.con.to_parquet_dir(expr, self._location(name, part))
        return part

    def write(self, name: str, data: ir.Table | pd.DataFrame | pa.Table) -> None:
        self._forget(name)  # shared results may read the table
        old = self._parts.get(name, [])
        part = self._write_part(name, data if isinstance(data, ir.Table) else ibis.memtable(data))
        self._parts[name] = [part]
        self._register(name)
        for p in old:  # only now: the new part may have been computed from the old ones
            self._delete(name, p)

    def append(self, name: str, data: ir.Table | pd.DataFrame | pa.Table) -> None:
        self._forget(name)  # shared results may read the table
        expr = data if isinstance(data, ir.Table) else ibis.memtable(data)
        if self.has(name):  # every part of a table has the table's schema
            expr = conform(expr, dict(self.table(name).schema().items()))
        part = self._write_part(name, expr)
        self._parts.setdefault(name, []).append(part)
        self._register(name)

    def drop(self, name: str) -> None:
        self._forget(name)  # shared results may read the table
        if self._parts.pop(name, None) is not None:
            self._delete(name)
            self.con._session.catalog.dropTempView(name)

    def materialise(self, expr: ir.Table) -> ir.Table:
        """Written to Parquet and read back: unlike Spark's cache it is computed now, once, and spills
        to disk rather than fill the driver's memory."""
        path = self.staging_path("table")
        self.con.to_parquet_dir(expr, path)
        return self.con.read_parquet(path)

    def scan_parquet(self, files: list[Path], first_rows: list[int]) -> ir.Table:
        """Each part scanned by Spark with its row index (``_metadata.row_index``, from 0), the parts
        unioned: the input reaches Spark without a detour through the local reader."""
        from pyspark.sql import functions as F

        read = self.con._session.read
        parts = [read.parquet(str(f)).select("*", (F.col("_metadata.row_index") + first).alias("_source_row"))
                 for f, first in zip(files, first_rows)]
        self._scans += 1
        name = f"_kenal_scan_{self._scans}"
        functools.reduce(lambda a, b: a.unionByName(b), parts).createOrReplaceTempView(name)
        return self.con.table(name)

    def load_raw(self, raw: ir.Table) -> ir.Table:
        """The file as read, as text columns and ``_source_row``, staged as Parquet for Spark to read."""
        path = self.staging_path("raw") + ".parquet"
        as_text(raw).to_parquet(path)
        return self.con.read_parquet(path)

    def close(self) -> None:
        self._close_reader()
        self._release_materialised()
        self.con._session.catalog.clearCache()
        self.clear_staging()
        # The session stays up: PySpark keeps one per process and starting it again costs seconds.

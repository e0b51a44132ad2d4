"""The engines a store runs on: DuckDB (embedded, the default), PostgreSQL and Spark.

Each module holds one :class:`~kenal.store.Store` subclass with what is particular to its engine:
how to connect (and say clearly why not), how a table is kept, how an input file gets in.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from kenal.config import Settings
from kenal.errors import EngineError
from kenal.store import Store


# The Python package each engine needs beyond kenal's own, and the extra that installs it.
PACKAGES = {"postgres": ("psycopg", "postgres"), "spark": ("pyspark", "spark")}


def open_store(workspace: Path, settings: Settings) -> Store:
    workspace.mkdir(parents=True, exist_ok=True)
    if settings.engine in PACKAGES:
        package, extra = PACKAGES[settings.engine]
        if importlib.util.find_spec(package) is None:
            raise EngineError(f"engine '{settings.engine}' needs the Python package {package}, which is not "
                              f"installed; install it with: pip install 'kenal[{extra}]'")
    if settings.engine == "postgres":
        from kenal.engines.postgres import PostgresStore

        return PostgresStore.connect(workspace, settings)
    if settings.engine == "spark":
        from kenal.engines.spark import SparkStore

        return SparkStore.connect(workspace, settings)
    from kenal.engines.duckdb import DuckDBStore

    return DuckDBStore.connect(workspace, settings)

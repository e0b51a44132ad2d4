"""Real engines for the cross-engine tests: a throwaway PostgreSQL database on 127.0.0.1:5432 and a
local-mode Spark session, each made once per test session."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest

from kenal.config import Settings
from kenal.ingest import ingest
from kenal.store import Store

ADMIN_DSN = os.environ.get("KENAL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ENGINES = ("duckdb", "postgres", "spark")


@pytest.fixture(scope="session")
def postgres_dsn():
    name = f"kenal_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    yield ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as con:
        con.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark for the whole test session (2 cores, as on the CI machine)."""
    from kenal.engines.spark import _session

    session = _session(Settings(engine="spark", spark_master="local[2]", spark_partitions=4, spark_memory="2g"))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def engine_overrides(request, postgres_dsn):
    """Settings that put a store on ``request.param``; Spark is started on first use."""
    engine = request.param
    if engine == "postgres":
        # Each test gets its own schema-free database state: drop what an earlier test left.
        with psycopg.connect(postgres_dsn, autocommit=True) as con:
            con.execute("DROP SCHEMA public CASCADE")
            con.execute("CREATE SCHEMA public")
        return {"engine": "postgres", "dsn": postgres_dsn}
    if engine == "spark":
        request.getfixturevalue("spark_session")
        return {"engine": "spark", "spark_master": "local[2]", "spark_partitions": 4, "spark_memory": "2g"}
    return {"engine": "duckdb"}


def ingested(root: Path, folder: Path, names: tuple[str, ...]) -> dict:
    """The tables ``names`` of the input ``folder``, ingested once into a DuckDB workspace under ``root``,
    as Arrow: each engine's store starts from the same rows."""
    with Store.open(root / "ws", Settings(consent_default="grant")) as store:
        ingest(store, folder)
        return {name: store.table(name).to_pyarrow() for name in names}

"""A wrong DSN, a server that is not there, no Java, a Spark master that cannot be reached: one clear
line naming what failed and what to check, exit code 2, no traceback."""

from __future__ import annotations

import pytest

from kenal.config import Settings, load_settings
from kenal.errors import ConfigError, EngineError
from kenal.store import Store
from tests.cli.test_errors import assert_one_line_error, kenal


def open_error(tmp_path, **settings) -> str:
    with pytest.raises(EngineError) as exc:
        Store.open(tmp_path / "ws", Settings(**settings))
    return str(exc.value)


def test_unreachable_postgres_server(tmp_path):
    result = kenal("run", "--workspace", str(tmp_path / "ws"), "--engine", "postgres",
                   "--dsn", "postgresql://postgres@127.0.0.1:1/kenal")
    assert_one_line_error(result, "cannot connect to PostgreSQL with 'postgresql://postgres@127.0.0.1:1/kenal': "
                                  "connection failed: connection to server at \"127.0.0.1\", port 1 failed: "
                                  "Connection refused; check that the server runs, the host and port, the "
                                  "database name and the credentials")


def test_missing_database_is_named_and_the_password_is_not_shown(tmp_path):
    message = open_error(tmp_path, engine="postgres", dsn="postgresql://postgres:s3cret@127.0.0.1:5432/no_such_db")
    assert message.startswith("cannot connect to PostgreSQL with 'postgresql://postgres:***@127.0.0.1:5432/no_such_db'")
    assert 'database "no_such_db" does not exist' in message
    assert "s3cret" not in message


def test_dsn_that_does_not_parse(tmp_path):
    assert open_error(tmp_path, engine="postgres", dsn="host=127.0.0.1 password=s3cret nonsense") == (
        "the DSN 'host=127.0.0.1 password=*** nonsense' is not valid (missing \"=\" after \"nonsense\" in "
        "connection info string); expected e.g. postgresql://user@127.0.0.1:5432/dbname")


def test_postgres_without_a_dsn(tmp_path):
    assert open_error(tmp_path, engine="postgres") == (
        "engine 'postgres' needs a DSN: --dsn postgresql://user@host:5432/db (or dsn in kenal.toml, or KENAL_DSN)")


def test_spark_without_java(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert open_error(tmp_path, engine="spark") == (
        "Spark needs a Java runtime (Java 17) and none was found; install it and put java on PATH or set JAVA_HOME")


def test_spark_master_that_cannot_be_reached(tmp_path):
    result = kenal("run", "--workspace", str(tmp_path / "ws"), "--engine", "spark",
                   "--spark-master", "spark://127.0.0.1:1")
    assert_one_line_error(result, "the Spark master spark://127.0.0.1:1 cannot be reached; check the host and "
                                  "port and that the master runs (or use --spark-master 'local[*]')")


def test_spark_master_url_that_spark_cannot_parse(tmp_path):
    result = kenal("run", "--workspace", str(tmp_path / "ws"), "--engine", "spark", "--spark-master", "nowhere")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith(("WARN", "Using"))]
    assert lines[-1].startswith("error: cannot start Spark with master 'nowhere': ")
    assert lines[-1].endswith("check the master URL and the Java runtime (java -version should say 17)")


def test_unknown_engine_lists_the_known_ones(tmp_path):
    result = kenal("run", "--workspace", str(tmp_path / "ws"), "--engine", "oracle")
    assert_one_line_error(result, "engine 'oracle' is not supported; expected one of duckdb, spark, postgres")


def test_engine_from_the_environment_and_the_workspace_file(tmp_path, monkeypatch):
    (tmp_path / "kenal.toml").write_text('engine = "spark"\nspark_master = "local[2]"\n')
    assert (load_settings(tmp_path).engine, load_settings(tmp_path).spark_master) == ("spark", "local[2]")
    monkeypatch.setenv("KENAL_ENGINE", "postgres")
    monkeypatch.setenv("KENAL_DSN", "postgresql://u@h/db")
    assert (load_settings(tmp_path).engine, load_settings(tmp_path).dsn) == ("postgres", "postgresql://u@h/db")
    assert load_settings(tmp_path, engine="duckdb").engine == "duckdb"  # the command line wins


def test_a_password_in_the_dsn_is_not_written_to_the_workspace_file():
    toml = Settings(engine="postgres", dsn="postgresql://u:s3cret@h/db").to_toml()
    assert "s3cret" not in toml
    assert "# dsn holds a password: give it as KENAL_DSN or --dsn, not in this file" in toml


def test_spark_partitions_must_be_positive():
    with pytest.raises(ConfigError, match="^spark_partitions 0 must be at least 1$"):
        Settings(spark_partitions=0)


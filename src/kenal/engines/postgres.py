"""PostgreSQL: the tables live in the database the DSN names.

Input files are read on this machine by an in-memory DuckDB (the file is here, not on the server)
and copied into a temporary table as text; parsing, validation and everything after run in
PostgreSQL as Ibis expressions.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow.csv as pa_csv
import sqlglot.expressions as sge
from ibis.backends.postgres import Backend as IbisPostgres
from ibis.backends.sql.compilers.postgres import PostgresCompiler

from kenal.config import Settings
from kenal.errors import EngineError, first_line
from kenal.store import Store, as_text

# PostgreSQL has no TRY_CAST (Ibis compiles try_cast to a plain CAST, which fails on the first bad
# value); these session-local functions return NULL instead.
# Ibis type -> (PostgreSQL type, function).
TRY_CASTS = {"float64": ("double precision", "kenal_try_float"), "int64": ("bigint", "kenal_try_bigint"),
             "date": ("date", "kenal_try_date"), "timestamp('UTC')": ("timestamptz", "kenal_try_timestamptz")}
# Dates and times must start with a digit: PostgreSQL also reads 'now', 'today' and 'epoch'.
_TRY_CAST_SQL = """
CREATE OR REPLACE FUNCTION pg_temp.{name}(value text) RETURNS {type} LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF {digit_first} AND value !~ '^\\s*[0-9]' THEN RETURN NULL; END IF;
  RETURN value::{type};
EXCEPTION WHEN others THEN RETURN NULL;
END $$"""


def portable_regex(pattern: str) -> str:
    """An RE2 / Java pattern in PostgreSQL's dialect: ``\\b`` is ``\\y`` there, ``\\p{L}`` is ``[:alpha:]``."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            pair = pattern[i:i + 2]
            if pair == "\\b" and not in_class:
                out.append("\\y")
            elif pattern.startswith("\\p{L}", i):
                out.append("[:alpha:]" if in_class else "[[:alpha:]]")
                i += 3
            else:
                out.append(pair)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class and out[-1] != "[" and out[-2:] != ["[", "^"]:  # "[]" and "[^]" hold a "]"
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


class KenalPostgresCompiler(PostgresCompiler):
    __slots__ = ()
    # Without this, the subclass would get Ibis' generated visit_RegexSearch back over the one below.
    SIMPLE_OPS = {op: name for op, name in PostgresCompiler.SIMPLE_OPS.items() if op is not ops.RegexSearch}

    def visit_TryCast(self, op, *, arg, to):
        found = TRY_CASTS.get(str(to.copy(nullable=True)))
        if found is None or not op.arg.dtype.is_string():
            return self.visit_Cast(op, arg=arg, to=to)
        return sge.Anonymous(this=f"pg_temp.{found[1]}", expressions=[arg])

    def visit_StructColumn(self, op, *, names, values):
        # kenal uses structs only to write a row as JSON and to hash it: json_build_object keeps the
        # names, which PostgreSQL's anonymous ROW() would lose.
        return self.f.json_build_object(*[x for name, value in zip(names, values)
                                          for x in (sge.convert(name), value)])

    def visit_Hash(self, op, *, arg):
        return self.f.hashtextextended(self.cast(arg, dt.string), 0)

    def _regex(self, pattern):
        if isinstance(pattern, sge.Literal) and pattern.is_string:
            return sge.convert(portable_regex(pattern.this))
        return pattern

    def visit_RegexSearch(self, op, *, arg, pattern):
        return self.f.regexp_like(arg, self._regex(pattern))

    def visit_RegexReplace(self, op, *, arg, pattern, replacement):
        return super().visit_RegexReplace(op, arg=arg, pattern=self._regex(pattern), replacement=replacement)

    def visit_RegexSplit(self, op, *, arg, pattern):
        return super().visit_RegexSplit(op, arg=arg, pattern=self._regex(pattern))


class KenalPostgres(IbisPostgres):
    compiler = KenalPostgresCompiler()


def _describe(dsn: str) -> str:
    """The DSN without its password, for messages."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", re.sub(r"password=\S+", "password=***", dsn))


class PostgresStore(Store):
    engine = "postgres"

    @classmethod
    def connect(cls, workspace: Path, settings: Settings) -> "PostgresStore":
        import psycopg

        if not settings.dsn:
            raise EngineError("engine 'postgres' needs a DSN: --dsn postgresql://user@host:5432/db "
                              "(or dsn in kenal.toml, or KENAL_DSN)")
        try:
            raw = psycopg.connect(settings.dsn, autocommit=True, connect_timeout=10)
        except psycopg.ProgrammingError as exc:  # the DSN itself does not parse
            raise EngineError(f"the DSN '{_describe(settings.dsn)}' is not valid ({first_line(exc)}); "
                              "expected e.g. postgresql://user@127.0.0.1:5432/dbname") from None
        except psycopg.OperationalError as exc:
            raise EngineError(f"cannot connect to PostgreSQL with '{_describe(settings.dsn)}': "
                              f"{first_line(exc)}; check that the server runs, the host and port, "
                              "the database name and the credentials") from None
        con = KenalPostgres.from_connection(raw)
        with raw.cursor() as cur:
            for type_, name in TRY_CASTS.values():
                cur.execute(_TRY_CAST_SQL.format(name=name, type=type_,
                                                 digit_first=str(type_ in ("date", "timestamptz")).lower()))
        return cls(con, settings, workspace)

    def load_raw(self, raw: ir.Table) -> ir.Table:
        """Copy the file as read (text columns and ``_source_row``) into a temporary table."""
        columns = [c for c in raw.columns if c != "_source_row"]
        text = as_text(raw)
        name = "_kenal_raw"
        quoted = ", ".join(_quote(c) for c in [*columns, "_source_row"])
        definition = ", ".join([*(f"{_quote(c)} text" for c in columns), "_source_row bigint"])
        with self.con.con.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
            cur.execute(f"CREATE TEMPORARY TABLE {name} ({definition})")
            with cur.copy(f"COPY {name} ({quoted}) FROM STDIN (FORMAT csv)") as copy:
                for batch in text.to_pyarrow_batches(chunk_size=100_000):
                    buf = io.BytesIO()
                    pa_csv.write_csv(batch, buf, pa_csv.WriteOptions(include_header=False))
                    copy.write(buf.getvalue())
        return self.con.table(name)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

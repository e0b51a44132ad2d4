"""Row-level validation: every input row either parses into the canonical types or gets a reason.

The result of :func:`stage` has the canonical columns, the lineage columns, three columns
that say why a row cannot be loaded (``_reason``, ``_reason_column``, ``_reason_value``; NULL
for good rows) and, per timestamp column, whether each value carried a UTC offset.  A whole
source that cannot be used raises :class:`SourceError` instead.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from kenal.errors import SourceError
from kenal.ingest import parse
from kenal.ingest.sources import Source
from kenal.schema import DATE, FLOAT, INT, STRING, TABLES, TIMESTAMP, Column, Table

LINEAGE = ("_source_file", "_source_row")


def check_columns(source: Source, raw: ir.Table, spec: Table) -> None:
    missing = [c for c in spec.required if c not in raw.columns]
    if missing:
        found = [c for c in raw.columns if c != "_source_row"]
        raise SourceError(str(source.path), "is missing", column=missing[0],
                          expected=f"the required columns {', '.join(spec.required)}; "
                                   f"found {', '.join(found) if found else 'no columns'}")


def _parsed(raw: ir.Table, col: Column, source: Source) -> ir.Value:
    value = raw[col.name]
    if col.allowed is not None:
        return parse.category(value)
    if col.type in (FLOAT, INT):
        return parse.PARSERS[col.type](value, source.decimal_comma)
    if col.type in (TIMESTAMP, DATE):
        return parse.PARSERS[col.type](value, source.timezone)
    return parse.PARSERS[col.type](value)


TYPE_CHECK_SAMPLE = 100_000


def check_types(source: Source, raw: ir.Table, spec: Table) -> None:
    """A typed column where not one value parses is a wrong type for the whole source.

    The file's first rows settle it for every column with a valid value among them; only the
    other columns are checked over the whole file."""
    typed = [c for c in spec.columns if c.name in raw.columns and c.type != STRING and c.allowed is None]
    for rows in (raw.limit(TYPE_CHECK_SAMPLE), raw):
        if not typed:
            return
        aggs = {}
        for c in typed:
            given, parsed = rows[c.name].notnull(), _parsed(rows, c, source)
            aggs[f"{c.name}__given"] = given.sum()
            aggs[f"{c.name}__ok"] = (given & parsed.notnull()).sum()
            aggs[f"{c.name}__example"] = rows[c.name].cast("string").min(where=given & parsed.isnull())
        counts = rows.aggregate(**aggs).execute().iloc[0]
        typed = [c for c in typed if not _count(counts[f"{c.name}__ok"])]
    for c in typed:
        if _count(counts[f"{c.name}__given"]):
            raise SourceError(str(source.path), f"has no valid {c.type} value in any row", column=c.name,
                              example=counts[f"{c.name}__example"], expected=parse.EXPECTED[c.type])


def _count(n) -> int:
    """A SUM over no rows is NULL."""
    return 0 if n is None or n != n else int(n)


def stage(source: Source, raw: ir.Table) -> ir.Table:
    """Typed columns plus the reason each bad row cannot be loaded."""
    spec = TABLES[source.table]
    check_columns(source, raw, spec)
    check_types(source, raw, spec)
    parsed = {c.name: _parsed(raw, c, source) for c in spec.columns if c.name in raw.columns}

    problems: list[tuple[ir.BooleanValue, str, str, ir.Value]] = []
    for c in spec.columns:
        if c.name not in raw.columns:
            continue
        given = raw[c.name].cast("string")
        if c.required:
            problems.append((given.isnull(), "missing_value", c.name, given))
        if c.allowed is not None:
            problems.append((given.notnull() & ~parse.one_of(parsed[c.name], c.allowed), "bad_category", c.name, given))
        elif c.type != STRING:
            problems.append((given.notnull() & parsed[c.name].isnull(), parse.REASONS[c.type], c.name, given))

    columns: dict[str, ir.Value] = {}
    for c in spec.columns:
        if c.name in parsed:
            value = parsed[c.name]
            if c.default is not None:
                value = value.coalesce(ibis.literal(c.default))
        else:
            value = ibis.literal(c.default, type="string") if c.default else ibis.null(parse.IBIS_TYPES[c.type])
        columns[c.name] = value.name(c.name)

    extra = [c for c in raw.columns if c not in spec.column_names and c != "_source_row"]
    columns["extra"] = (ibis.struct({c: raw[c].cast("string") for c in extra}).cast("json").cast("string")
                        if extra else ibis.null("string"))
    for c in spec.columns:  # for the mixed-time-zone check: which values carried their own offset
        if c.type == TIMESTAMP and c.name in raw.columns:
            columns[zoned_flag(c.name)] = parse.has_zone(raw[c.name])
    columns["_source_file"] = ibis.literal(str(source.path))
    columns["_source_row"] = raw._source_row.cast("int64")
    if problems:
        columns["_reason"] = ibis.cases(*[(cond, code) for cond, code, _, _ in problems], else_=ibis.null("string"))
        columns["_reason_column"] = ibis.cases(*[(cond, col) for cond, _, col, _ in problems], else_=ibis.null("string"))
        columns["_reason_value"] = ibis.cases(*[(cond, val) for cond, _, _, val in problems], else_=ibis.null("string"))
    else:
        columns["_reason"] = columns["_reason_column"] = columns["_reason_value"] = ibis.null("string")
    return raw.select(**columns)


def zoned_flag(column: str) -> str:
    return f"_zoned__{column}"


def row_hash(t: ir.Table, spec: Table) -> ir.IntegerValue:
    """A hash of a row's canonical content (not its lineage): equal rows are duplicates."""
    return ibis.struct({c: t[c] for c in [*spec.column_names, "extra"]}).hash()

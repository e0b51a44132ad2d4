"""Parsing text (or native Parquet values) into the canonical types, as Ibis expressions.

Each parser returns a value that is NULL where the input cannot be parsed; the caller compares
it with the input to tell "empty" from "bad".
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from kenal import clock
from kenal.schema import BOOL, DATE, FLOAT, INT, STRING, TIMESTAMP

TRUE_WORDS = ("true", "t", "1", "yes", "y", "ya", "benar")
FALSE_WORDS = ("false", "f", "0", "no", "n", "tidak", "salah")
TIMESTAMP_TYPE = "timestamp('UTC')"


WHITESPACE = (" ", "\t", "\n", "\r", "\u00a0")


def text(value: ir.Value) -> ir.StringValue:
    """Trimmed text, NULL when empty.  Ingest applies it once, when a file is read."""
    s = value.cast("string")
    # Trimming is costly; most values need none, so trim only the padded ones.  The first character's
    # code point is read once (every whitespace a trim removes is at most 32); endswith compares
    # bytes, several times faster in DuckDB than taking the last character.  Staging 10M events took
    # 21.5 s this way, 24.3 s with startswith for each whitespace, 20.2 s with no trimming at all.
    first = s.ascii_str()
    padded = (first <= 32) | (first == 160) | ibis.or_(*[s.endswith(w) for w in WHITESPACE])
    trimmed = s.strip()
    return ibis.cases((s == "", ibis.null("string")),
                      (padded, ibis.ifelse(trimmed == "", ibis.null("string"), trimmed)), else_=s)


def one_of(value: ir.Value, options) -> ir.BooleanValue:
    """``value.isin(options)`` written as ORs of equalities.  DuckDB turns an IN list into a join,
    and a join in a projection keeps it from pruning unused columns: every query over staged rows
    then parsed every column (a one-column aggregate over 10M events: 3.2-3.7 s, not 0.1-1.0 s)."""
    return ibis.or_(*[value == option for option in options])

# The parsers below take values as read: text already trimmed, empty text already NULL.


def number(value: ir.Value, decimal_comma: bool = False) -> ir.FloatingValue:
    if value.type().is_numeric():
        n = value.cast("float64")
    else:
        s = value.replace(" ", "")
        if decimal_comma:  # 1.250.000,50 -> 1250000.50 ; 1.250.000 -> 1250000
            s = ibis.cases(
                (s.contains(","), s.replace(".", "").replace(",", ".")),
                (s.re_search(r"^-?\d{1,3}(\.\d{3})+$"), s.replace(".", "")),
                else_=s,
            )
        n = s.try_cast("float64")
    # "nan" and "inf" parse as floats but are not amounts anyone meant.
    return ibis.ifelse(n.isnan() | n.isinf(), ibis.null("float64"), n)


def integer(value: ir.Value, decimal_comma: bool = False) -> ir.IntegerValue:
    n = number(value, decimal_comma)
    return ibis.ifelse(n == n.floor(), n, ibis.null("float64")).cast("int64")


def _digit_first(value: ir.StringValue) -> ir.BooleanValue:
    return value.left(1).between("0", "9")  # one character: compared byte-wise, so only ASCII digits


def timestamp(value: ir.Value, zone: str = "UTC") -> ir.TimestampValue:
    """An instant in UTC.  A value without a UTC offset is a wall-clock time in ``zone`` (the workspace's)."""
    dtype = value.type()
    if dtype.is_timestamp() and dtype.timezone is not None:
        return value.cast(TIMESTAMP_TYPE)
    if dtype.is_timestamp() or dtype.is_date():  # naive Parquet values: workspace wall time
        return clock.from_local(value.cast("string").try_cast(TIMESTAMP_TYPE), zone)
    # Sessions run in UTC: a naive text reads as UTC wall time.  Engines also read words ('epoch',
    # 'infinity', 'now') as times; a date or time written by a person starts with a digit.
    parsed = ibis.ifelse(_digit_first(value), value.try_cast(TIMESTAMP_TYPE), ibis.null(TIMESTAMP_TYPE))
    if clock.transitions(zone) == ((), (0,)):
        return parsed
    return ibis.ifelse(has_zone(value), parsed, clock.from_local(parsed, zone))


# A time of day followed by Z or a UTC offset (+07:00, +0700, -05).
ZONED_TEXT = r"\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)$"


def has_zone(value: ir.Value) -> ir.BooleanValue:
    """Whether a timestamp value carries its own UTC offset (else it is read on the workspace clock)."""
    dtype = value.type()
    if dtype.is_timestamp():
        return ibis.literal(dtype.timezone is not None)
    if dtype.is_date():
        return ibis.literal(False)
    return value.cast("string").re_search(ZONED_TEXT)  # text as read is already trimmed


def date(value: ir.Value, zone: str = "UTC") -> ir.DateValue:
    dtype = value.type()
    if dtype.is_date():
        return value
    if dtype.is_timestamp():  # a date taken from an instant is the date on the workspace's clock
        return clock.to_local(value.cast(TIMESTAMP_TYPE), zone).cast("date") if dtype.timezone else value.cast("date")
    return ibis.ifelse(_digit_first(value), value.try_cast("date"), ibis.null("date"))


def boolean(value: ir.Value) -> ir.BooleanValue:
    if value.type().is_boolean():
        return value
    s = value.lower()
    return ibis.cases((one_of(s, TRUE_WORDS), True), (one_of(s, FALSE_WORDS), False), else_=ibis.null("boolean"))


def category(value: ir.Value) -> ir.StringValue:
    return value.cast("string").lower()


IBIS_TYPES = {FLOAT: "float64", INT: "int64", TIMESTAMP: TIMESTAMP_TYPE, DATE: "date", BOOL: "boolean",
              STRING: "string"}
PARSERS = {FLOAT: number, INT: integer, TIMESTAMP: timestamp, DATE: date, BOOL: boolean,
           STRING: lambda value: value.cast("string")}
REASONS = {FLOAT: "bad_number", INT: "bad_integer", TIMESTAMP: "bad_timestamp", DATE: "bad_date",
           BOOL: "bad_boolean"}
EXPECTED = {FLOAT: "a number (e.g. 125000 or 125000.50)", INT: "a whole number",
            TIMESTAMP: "an ISO-8601 timestamp (e.g. 2026-03-01T14:05:09+07:00 or 2026-03-01 14:05)",
            DATE: "a date YYYY-MM-DD", BOOL: "true/false (or yes/no, 1/0, ya/tidak)"}

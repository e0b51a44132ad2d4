"""What kenal's PostgreSQL compiler changes: regexes in PostgreSQL's dialect."""

from __future__ import annotations


def test_regexes_are_translated_to_postgres_dialect():
    from kenal.engines.postgres import portable_regex

    assert portable_regex(r"(?i)\bbot\b|[^\p{L}]") == r"(?i)\ybot\y|[^[:alpha:]]"
    assert portable_regex(r"\p{L}+[\b]") == r"[[:alpha:]]+[\b]"  # in a class \b is a backspace: kept
    assert portable_regex(r"[]\p{L}]x\b") == r"[][:alpha:]]x\y"

"""Segments written by the analyst as rules: the ``rules`` kind of segmentation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import ibis.expr.types as ir
import pandas as pd

from kenal.errors import ConfigError
from kenal.models.grouping import ExpressionSegmenter, _first_match
from kenal.rules.check import check, field_types
from kenal.rules.compile import condition
from kenal.rules.errors import RuleError
from kenal.rules.syntax import parse_rule
from kenal.rules.windows import call_columns, with_windows
from kenal.store import Store

SEGMENT = '{name = "...", rule = "..."}'


class RuleSegments(ExpressionSegmenter):
    """A customer gets the first segment whose rule holds; everyone else gets ``default``.

    ``segments`` are ``{"name": ..., "rule": ...}`` mappings in priority order; ``where`` says where
    they are configured, for error messages. Rules are parsed by :meth:`fit`; their fields are
    checked against the table :meth:`assign_expression` is given, which needs the rules' window
    values (:meth:`with_windows`).

    Attributes: ``rules_`` (parsed), ``calls_`` (the distinct function calls of all rules) and
    ``segment_names_`` (the segments' names, then ``default``).
    """

    def __init__(self, segments: Sequence[Mapping[str, str]] = (), default: str = "Everyone else", where: str = ""):
        self.segments, self.default, self.where = segments, default, where

    def fit(self, X: pd.DataFrame | None = None, y=None) -> "RuleSegments":
        self.rules_ = [self._located(s["name"], parse_rule, s["rule"]) for s in self.segments]
        self.calls_ = tuple(dict.fromkeys(call for rule in self.rules_ for call in rule.calls))
        self.segment_names_ = [s["name"] for s in self.segments] + [self.default]
        return self

    def with_windows(self, store: Store, as_of: datetime, table: ir.Table) -> ir.Table:
        """``table`` with the value of each of the rules' function calls per customer."""
        return with_windows(store, as_of, table, self.calls_)

    def assign_expression(self, t: ir.Table) -> ir.IntegerValue:
        columns = call_columns(self.calls_)
        missing = [c for c in columns.values() if c not in t.columns]
        if missing:
            raise ValueError("the rules call functions of the store's tables: assign on with_windows(store, as_of, "
                             f"table), which adds {', '.join(missing)}")
        fields = field_types(t.schema())
        for s, rule in zip(self.segments, self.rules_):
            self._located(s["name"], check, rule, fields)
        return _first_match([condition(rule, t, columns) for rule in self.rules_], len(self.rules_))

    def _located(self, segment: str, step, *args):
        try:
            return step(*args)
        except RuleError as exc:
            raise exc.within(" ".join(filter(None, [self.where, f"segment '{segment}'"]))) from None


def check_segments(segments, default: str, label: str) -> list[dict[str, str]]:
    """The ``segments`` option of a ``rules`` segmentation, each rule parsed (fields are checked
    when the rules meet the feature table). ``label`` names the segmentation in messages."""
    if not isinstance(segments, list) or not segments:
        raise ConfigError(f"{label}: segments must be a list of {SEGMENT} tables, at least one, in priority order")
    names = {default}
    for i, s in enumerate(segments, 1):
        if not isinstance(s, dict) or set(s) != {"name", "rule"}:
            found = ", ".join(sorted(s)) if isinstance(s, dict) else repr(s)
            raise ConfigError(f"{label}: segment {i} must be {SEGMENT}, found {found}")
        name, rule = s["name"], s["rule"]
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{label}: segment {i} needs a name, found {name!r}")
        if name in names:
            what = "the default segment's" if name == default else "another segment's"
            raise ConfigError(f"{label}: segment {i} is named '{name}', which is {what} name")
        names.add(name)
        if not isinstance(rule, str):
            raise ConfigError(f"{label}: segment '{name}' has a rule that is not text: {rule!r}")
        try:
            parse_rule(rule)
        except RuleError as exc:
            raise exc.within(f"{label} segment '{name}'") from None
    return [{"name": s["name"], "rule": s["rule"]} for s in segments]

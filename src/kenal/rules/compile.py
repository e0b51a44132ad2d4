"""A checked rule as one Ibis boolean expression, evaluated by the engine.

Missing values: a comparison in which either side is missing (no rating, no region, a division by
zero) is false, so ``not (avg_rating >= 4)`` holds for a customer without a rating; ``and``, ``or``
and ``not`` then work on true and false only, identically on every engine.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from functools import reduce

import ibis
import ibis.expr.types as ir

from kenal.rules.check import ALIASES
from kenal.rules.tree import Arithmetic, Bool, Call, Compare, Field, Logic, Negate, Node, Not, Number, Rule, Text

_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
            ">=": operator.ge}
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def condition(rule: Rule, table: ir.Table, columns: Mapping[Call, str]) -> ir.BooleanValue:
    """``rule`` over ``table``: its fields are ``table``'s columns, each call's value is the column
    ``columns[call]`` (see :func:`kenal.rules.windows.with_windows`). Never null."""
    return _expr(rule.tree, table, columns)


def _expr(node: Node, t: ir.Table, columns: Mapping[Call, str]) -> ir.Value:
    def sub(n: Node) -> ir.Value:
        return _expr(n, t, columns)

    if isinstance(node, Number):
        # typed, so Spark does not read 0.5 as a DECIMAL and round what it meets
        return ibis.literal(node.value, type="int64" if isinstance(node.value, int) else "float64")
    if isinstance(node, Text):
        return ibis.literal(node.value, type="string")
    if isinstance(node, Bool):
        return ibis.literal(node.value, type="boolean")
    if isinstance(node, Field):
        return t[ALIASES.get(node.name, node.name)]
    if isinstance(node, Call):
        return t[columns[node]]
    if isinstance(node, Negate):
        return -sub(node.operand)
    if isinstance(node, Arithmetic):
        left, right = sub(node.left), sub(node.right)
        if node.op == "/":  # x / 0 is missing on every engine (PostgreSQL would fail, Spark's ANSI mode too)
            return left.cast("float64") / right.cast("float64").nullif(0)
        return _ARITHMETIC[node.op](left, right)
    if isinstance(node, Compare):
        values = [sub(operand) for operand in node.operands]
        pairs = [_COMPARE[op](a, b).fill_null(False) for op, a, b in zip(node.ops, values, values[1:])]
        return reduce(operator.and_, pairs)
    if isinstance(node, Not):
        return ~sub(node.operand)
    assert isinstance(node, Logic)
    combine = operator.and_ if node.op == "and" else operator.or_
    return combine(sub(node.left), sub(node.right))

"""What each part of a rule is (a number, text or a condition) and whether the parts fit together.

Checked twice: when a rule is parsed, without knowing the fields (``"a" > 3``, ``not orders(days=7)``),
and when it is evaluated, against the feature table's columns (unknown fields, ``region > 5``).
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis.expr.schema as sch

from kenal.rules.errors import RuleError, did_you_mean
from kenal.rules.tree import (Arithmetic, Bool, Call, Compare, Field, Logic, Negate, Node, Not, Number, Rule,
                              Text)

NUMBER, TEXT, CONDITION = "a number", "text", "a condition"
ORDERING = ("<", "<=", ">", ">=")
# Names a rule may use besides the feature table's columns, for the words analysts use.
ALIASES = {"lifetime_value": "monetary", "lifetime_orders": "frequency"}
NOT_FIELDS = ("customer_id", "snapshot_id")


def field_types(schema: sch.Schema) -> dict[str, str]:
    """The fields a rule may name, from the feature table's schema: its numeric and text columns
    (customer ids aside) and the aliases of those."""
    fields = {}
    for name, dtype in schema.items():
        if name in NOT_FIELDS or name.startswith("_"):
            continue
        if dtype.is_numeric():
            fields[name] = NUMBER
        elif dtype.is_string():
            fields[name] = TEXT
    return fields | {alias: fields[name] for alias, name in ALIASES.items() if name in fields}


def check(rule: Rule, fields: Mapping[str, str] | None) -> None:
    """Raise a RuleError where the parts of ``rule`` do not fit; with ``fields`` None, fields may be anything."""
    kind = _Checker(rule.text, fields).kind(rule.tree)
    if kind not in (CONDITION, None):
        raise RuleError(rule.text, 0, f"a rule must be a condition, found {kind}",
                        "compare it, e.g. lifetime_value > 5_000_000")


class _Checker:
    def __init__(self, text: str, fields: Mapping[str, str] | None):
        self.text, self.fields = text, fields

    def fail(self, pos: int, problem: str, hint: str = ""):
        raise RuleError(self.text, pos, problem, hint)

    def source(self, node: Node) -> str:
        return self.text[node.pos:node.end]

    def kind(self, node: Node) -> str | None:
        """What ``node`` gives; None for a field while the fields are not known."""
        if isinstance(node, Number | Call):
            return NUMBER
        if isinstance(node, Text):
            return TEXT
        if isinstance(node, Bool):
            return CONDITION
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Negate):
            self.expect(node.operand, NUMBER, "'-' needs a number")
            return NUMBER
        if isinstance(node, Arithmetic):
            self.expect(node.left, NUMBER, f"'{node.op}' needs numbers")
            self.expect(node.right, NUMBER, f"'{node.op}' needs numbers")
            return NUMBER
        if isinstance(node, Not):
            self.expect(node.operand, CONDITION, "not needs a condition")
            return CONDITION
        if isinstance(node, Logic):
            self.expect(node.left, CONDITION, f"{node.op} joins conditions")
            self.expect(node.right, CONDITION, f"{node.op} joins conditions")
            return CONDITION
        assert isinstance(node, Compare)
        kinds = [self.kind(operand) for operand in node.operands]
        for i, (op, pos) in enumerate(zip(node.ops, node.op_pos)):
            (left, right), (a, b) = node.operands[i:i + 2], kinds[i:i + 2]
            if a is not None and b is not None and a != b:
                self.fail(pos, f"cannot compare {a} ({self.source(left)}) with {b} ({self.source(right)})")
            if op in ORDERING and (TEXT in (a, b) or CONDITION in (a, b)):
                self.fail(pos, f"{a if a in (TEXT, CONDITION) else b} can only be compared with == or !=")
        return CONDITION

    def expect(self, node: Node, wanted: str, problem: str) -> None:
        kind = self.kind(node)
        if kind is not None and kind != wanted:
            self.fail(node.pos, f"{problem}, found {kind} ({self.source(node)})")

    def field(self, node: Field) -> str | None:
        if self.fields is None:
            return None
        if node.name not in self.fields:
            self.fail(node.pos, f"unknown field '{node.name}'",
                      f"{did_you_mean(node.name, self.fields)}known fields: {', '.join(sorted(self.fields))}")
        return self.fields[node.name]

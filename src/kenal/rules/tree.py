"""The tree of a parsed rule. Positions (``pos``, ``end``: a node's span in the rule's text) are
ignored by ``==``, so the same call written twice in a rule is one call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    pos: int = field(default=0, compare=False, kw_only=True)  # where the node starts in the rule
    end: int = field(default=0, compare=False, kw_only=True)  # where it ends (exclusive)


@dataclass(frozen=True)
class Number(Node):
    value: int | float


@dataclass(frozen=True)
class Text(Node):
    value: str


@dataclass(frozen=True)
class Bool(Node):
    value: bool


@dataclass(frozen=True)
class Field(Node):
    name: str


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[str, ...]  # the text arguments, in the function's order
    days: int


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class Arithmetic(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    operands: tuple[Node, ...]
    ops: tuple[str, ...]
    op_pos: tuple[int, ...] = field(default=(), compare=False, kw_only=True)


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class Logic(Node):
    op: str  # "and" or "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Rule:
    text: str
    tree: Node
    calls: tuple[Call, ...]  # the distinct function calls, in order of appearance
    fields: tuple[str, ...]  # the distinct field names, as written, in order of appearance

    def __str__(self) -> str:
        return self.text


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node below it."""
    yield node
    for child in (getattr(node, name, None) for name in ("operand", "left", "right")):
        if child is not None:
            yield from walk(child)
    for child in getattr(node, "operands", ()):
        yield from walk(child)

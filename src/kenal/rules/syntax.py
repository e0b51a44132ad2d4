"""The rule language: text -> a small tree, or a :class:`RuleError` at the offending column.

Grammar (loosest first; comparisons chain as in ``1 <= orders(days=30) <= 5``)::

    rule       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum)*
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER | STRING | "true" | "false" | FIELD | call | "(" or ")"
    call       := FUNCTION "(" [STRING ","] "days" "=" WHOLE_NUMBER ")"

(A function's text argument is given in order or by name; one with a default may be left out.)

A hand-written recursive-descent parser rather than Python's own: it accepts exactly this grammar
and can say what it expected at each place.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

from kenal.rules.check import check
from kenal.rules.errors import RuleError, did_you_mean
from kenal.rules.functions import FUNCTIONS, Function
from kenal.rules.tree import (Arithmetic, Bool, Call, Compare, Field, Logic, Negate, Node, Not, Number, Rule, Text,
                              walk)

KEYWORDS = ("and", "or", "not", "true", "false")
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
EXAMPLE = "orders(days=30) == 0"


def parse_rule(text: str) -> Rule:
    """``text`` parsed and its function calls checked; field names are checked later, against the
    feature table (:func:`kenal.rules.check.check`)."""
    if not isinstance(text, str):
        raise RuleError(str(text), 0, f"a rule is text, found {type(text).__name__}")
    tree = _Parser(text).rule()
    calls, fields = [], []
    for node in walk(tree):
        if isinstance(node, Call) and node not in calls:
            calls.append(node)
        elif isinstance(node, Field) and node.name not in fields:
            fields.append(node.name)
    rule = Rule(text, tree, tuple(calls), tuple(fields))
    check(rule, None)  # the types that do not depend on fields: "a" > 3, not orders(days=7), ...
    return rule


# --- tokens ---

class Token(NamedTuple):
    kind: str  # number, string, name, op or end
    text: str
    pos: int
    value: object = None


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d(?:[A-Za-z0-9_.]|(?<=[eE])[+-])*)   # checked strictly below, to say what is wrong
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>+\-*/(),=!&|])
""", re.VERBOSE)
_NUMBER = re.compile(r"\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?(?:[eE][+-]?\d+)?")
_INT64 = 2**63


def _tokens(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos] in "\"'":
                raise RuleError(text, pos, "this string is not closed", f"end it with {text[pos]}")
            raise RuleError(text, pos, f"unexpected character '{text[pos]}'",
                            "a rule uses fields, functions, numbers, \"strings\", and/or/not, comparisons, + - * /")
        kind, token = m.lastgroup, m.group()
        if kind == "number":
            if not _NUMBER.fullmatch(token):
                raise RuleError(text, pos, f"'{token}' is not a number",
                                "write digits with single _ between groups and an optional decimal part, "
                                "e.g. 5_000_000 or 0.25")
            digits = token.replace("_", "")
            value = float(digits) if any(c in digits for c in ".eE") else int(digits)
            tokens.append(Token(kind, token, pos, float(value) if abs(value) >= _INT64 else value))
        elif kind == "string":
            tokens.append(Token(kind, token, pos, re.sub(r"\\(.)", r"\1", token[1:-1], flags=re.S)))
        elif kind != "space":
            tokens.append(Token(kind, token, pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _describe(tok: Token) -> str:
    return "the end of the rule" if tok.kind == "end" else f"'{tok.text}'"


_WRONG_OPERATOR = {"=": "write == to compare", "&&": "write and", "&": "write and", "||": "write or",
                   "|": "write or", "!": "write not (...) or !="}


# --- the parser ---

class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, *texts: str) -> bool:
        return self.tok.kind in ("op", "name") and self.tok.text in texts

    def fail(self, problem: str, tok: Token | None = None, hint: str = "", pos: int | None = None):
        raise RuleError(self.text, (tok or self.tok).pos if pos is None else pos, problem, hint)

    def source(self, node: Node) -> str:
        return self.text[node.pos:node.end]

    def rule(self) -> Node:
        if self.tok.kind == "end":
            self.fail("the rule is empty", hint=f"write a condition such as {EXAMPLE}")
        tree = self.disjunction()
        if self.tok.kind != "end":
            self.after_value("the end of the rule")
        return tree

    def after_value(self, closing: str):
        """Fail where an operator (or ``closing``) was expected after a complete value."""
        tok = self.tok
        hint = _WRONG_OPERATOR.get(tok.text, "") if tok.kind == "op" else ""
        if tok.kind == "name" and tok.text.lower() in KEYWORDS:
            hint = f"write {tok.text.lower()} in lower case"
        elif tok.text == ")":
            hint = "this ')' closes no '('"
        self.fail(f"expected an operator or {closing}, found {_describe(tok)}", hint=hint)

    def disjunction(self) -> Node:
        left = self.conjunction()
        while self.at("or"):
            self.take()
            right = self.conjunction()
            left = Logic("or", left, right, pos=left.pos, end=right.end)
        return left

    def conjunction(self) -> Node:
        left = self.negation()
        while self.at("and"):
            self.take()
            right = self.negation()
            left = Logic("and", left, right, pos=left.pos, end=right.end)
        return left

    def negation(self) -> Node:
        if self.at("not"):
            start = self.take().pos
            operand = self.negation()
            return Not(operand, pos=start, end=operand.end)
        return self.comparison()

    def comparison(self) -> Node:
        first = self.sum()
        operands, ops, at = [first], [], []
        while self.tok.kind == "op" and self.tok.text in COMPARISONS:
            op = self.take()
            ops.append(op.text)
            at.append(op.pos)
            operands.append(self.sum())
        if not ops:
            return first
        return Compare(tuple(operands), tuple(ops), op_pos=tuple(at), pos=first.pos, end=operands[-1].end)

    def sum(self) -> Node:
        left = self.product()
        while self.at("+", "-"):
            op = self.take().text
            right = self.product()
            left = Arithmetic(op, left, right, pos=left.pos, end=right.end)
        return left

    def product(self) -> Node:
        left = self.unary()
        while self.at("*", "/"):
            op = self.take().text
            right = self.unary()
            left = Arithmetic(op, left, right, pos=left.pos, end=right.end)
        return left

    def unary(self) -> Node:
        if self.at("-"):
            start = self.take().pos
            operand = self.unary()
            if isinstance(operand, Number):  # a negative literal, so days=-1 is reported as -1
                return Number(-operand.value, pos=start, end=operand.end)
            return Negate(operand, pos=start, end=operand.end)
        return self.atom()

    def atom(self) -> Node:
        tok = self.tok
        span = {"pos": tok.pos, "end": tok.pos + len(tok.text)}
        if tok.kind == "number":
            self.take()
            return Number(tok.value, **span)
        if tok.kind == "string":
            self.take()
            return Text(tok.value, **span)
        if tok.kind == "name" and tok.text in ("true", "false"):
            self.take()
            return Bool(tok.text == "true", **span)
        if tok.kind == "name" and tok.text not in KEYWORDS:
            self.take()
            if self.at("("):
                return self.call(tok)
            if tok.text in FUNCTIONS:
                self.fail(f"{tok.text} is a function", tok, f"call it, e.g. {FUNCTIONS[tok.text].example}")
            return Field(tok.text, **span)
        if self.at("("):
            opening = self.take()
            inner = self.disjunction()
            if not self.at(")"):
                self.after_value(f"')' to close the '(' at column {opening.pos + 1}")
            close = self.take()
            return _spanned(inner, opening.pos, close.pos + 1)
        self.fail(f"expected a value (a number, a \"string\", a field or a function call), found {_describe(tok)}")

    def call(self, name: Token) -> Call:
        fn = FUNCTIONS.get(name.text)
        if fn is None:
            self.fail(f"unknown function '{name.text}'", name,
                      f"{did_you_mean(name.text, FUNCTIONS)}known functions: {', '.join(FUNCTIONS)}")
        self.take()  # (
        positional: list[Node] = []
        named: dict[str, tuple[Token, Node]] = {}
        while not self.at(")"):
            if positional or named:
                if not self.at(","):
                    self.fail(f"expected ',' or ')' in {fn.signature}, found {_describe(self.tok)}")
                self.take()
            if self.tok.kind == "name" and self.tokens[self.i + 1].text == "=":
                key = self.take()
                self.take()  # =
                named[self.keyword(fn, key, len(positional), named)] = (key, self.sum())
            else:
                node = self.sum()
                if named:
                    self.fail(f"an argument without a name after a named one in {fn.signature}", pos=node.pos)
                positional.append(node)
        close = self.take()
        return self.bind(fn, name, positional, named, close)

    def keyword(self, fn: Function, key: Token, n_positional: int, named: dict) -> str:
        known = [*fn.params, "days"]
        if key.text not in known:
            self.fail(f"{fn.name}() has no argument '{key.text}'", key,
                      f"{did_you_mean(key.text, known)}its arguments: {', '.join(known)}")
        if key.text in named or key.text in fn.params[:n_positional]:
            self.fail(f"{key.text} is given twice", key)
        return key.text

    def bind(self, fn: Function, name: Token, positional: list[Node], named: dict, close: Token) -> Call:
        if len(positional) > len(fn.params):
            extra = positional[len(fn.params)]
            hint = f"give the window by name, e.g. {fn.example}" if isinstance(extra, Number) else f"e.g. {fn.example}"
            self.fail(f"too many arguments for {fn.signature}", pos=extra.pos, hint=hint)
        values = dict(zip(fn.params, positional)) | {k: node for k, (_, node) in named.items()}
        if "days" not in values and positional and isinstance(positional[-1], Number):
            self.fail(f"the window is given by name in {fn.signature}", pos=positional[-1].pos,
                      hint=f"e.g. {fn.example}")
        for param in (*fn.params, "days"):
            if param not in values and param not in fn.defaults:
                self.fail(f"{fn.name}() needs {param}" + ("=N" if param == "days" else ""), close,
                          f"e.g. {fn.example}")
        args = []
        for param in fn.params:
            node = values.get(param)
            if node is None:  # left out: its default
                args.append(fn.defaults[param])
                continue
            if not isinstance(node, Text):
                self.fail(f"{param} must be a \"string\", found {self.source(node)}", pos=node.pos,
                          hint=f"e.g. {fn.example}")
            choices = fn.choices.get(param)
            if choices is not None and node.value not in choices:
                self.fail(f"{param} must be {_one_of(choices)}, found {self.source(node)}", pos=node.pos,
                          hint=f"{did_you_mean(node.value, choices)}e.g. {fn.example}")
            args.append(node.value)
        days = values["days"]
        if not (isinstance(days, Number) and isinstance(days.value, int) and days.value > 0):
            self.fail(f"days must be a whole number above 0, found {self.source(days)}", pos=days.pos,
                      hint=f"e.g. {fn.example}")
        return Call(fn.name, tuple(args), days.value, pos=name.pos, end=close.pos + 1)


def _one_of(choices) -> str:
    quoted = [f'"{c}"' for c in choices]
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def _spanned(node: Node, pos: int, end: int) -> Node:
    """``node`` with its span widened to its parentheses, so messages quote them."""
    return replace(node, pos=pos, end=end)

"""The functions a rule may call: each counts (or sums) one customer's rows of a store table in the
window of the last ``days`` days before the snapshot, ``(as_of - days, as_of]``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[str, ...]  # text arguments, before the keyword-only days=N
    source: str  # the rows it reads: "events" (people's, attributed), "transactions" or "behaviour_shifts"
    matches: Callable[..., ir.BooleanValue]  # (rows, *params) -> the rows that count
    doc: str
    example: str
    total: str | None = None  # a column to sum instead of counting rows
    defaults: Mapping[str, str] = field(default_factory=dict, compare=False)  # text arguments that may be left out
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)  # the values they may take

    @property
    def signature(self) -> str:
        params = [f"[{p}]" if p in self.defaults else p for p in self.params]
        return f"{self.name}({', '.join([*params, 'days=N'])})"


DIRECTIONS = ("any", "up", "down")


def _shifted(rows: ir.Table, direction: str) -> ir.BooleanValue:
    return ibis.literal(True) if direction == "any" else rows.direction == direction


FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    Function("visits", ("event",), "events", lambda e, event: e.event == event,
             "the customer's events named event (exact, case-sensitive)", 'visits("Product Viewed", days=7)'),
    Function("viewed_page", ("path",), "events",
             # lower-cased as the pricing_visits and promo_visits features are
             lambda e, path: (e.type == "page") & e.page_path.lower().startswith(path.lower()),
             "page views whose path starts with path (case-insensitive)", 'viewed_page("/pricing", days=14)'),
    Function("orders", (), "transactions", lambda t: t.kind == "purchase", "purchases", "orders(days=30)"),
    Function("revenue", (), "transactions", lambda t: t.kind == "purchase",
             "the amount of purchases in the base currency", "revenue(days=90)", total="amount_base"),
    Function("returns", (), "transactions", lambda t: t.kind == "return", "returns", "returns(days=30)"),
    # rows of the snapshot's behaviour_shifts, dated by change_date: one per flagged customer, so 0 or 1
    Function("behaviour_shift", ("direction",), "behaviour_shifts", _shifted,
             "1 when the customer's purchase rate changed (at least two-fold, significantly) in the window, "
             'else 0; direction "up", "down" or "any" (the default)', 'behaviour_shift("down", days=90)',
             defaults={"direction": "any"}, choices={"direction": DIRECTIONS}),
)}

"""The functions a rule may call: each counts (or sums) one customer's rows of a store table in the
window of the last ``days`` days before the snapshot, ``(as_of - days, as_of]``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis.expr.types as ir


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[str, ...]  # text arguments, before the keyword-only days=N
    source: str  # the store table it reads: "events" (people's, attributed) or "transactions"
    matches: Callable[..., ir.BooleanValue]  # (rows, *params) -> the rows that count
    doc: str
    example: str
    total: str | None = None  # a column to sum instead of counting rows

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join([*self.params, 'days=N'])})"


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
)}

"""The canonical data model, declared once.

Each :class:`Table` lists its columns with their logical type, whether the input contract
requires them, and whether they are personal data (PII) or protected attributes that no model
may use.  Ingest, the sample generator, features and erasure all read this module; nothing
else names the input columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Logical types.  Input files are read as text and parsed to these types during validation.
STRING, FLOAT, INT, TIMESTAMP, DATE, BOOL = "string", "float", "int", "timestamp", "date", "bool"


@dataclass(frozen=True)
class Column:
    name: str
    type: str = STRING
    required: bool = False
    pii: bool = False
    protected: bool = False
    allowed: tuple[str, ...] | None = None  # closed vocabulary, compared case-insensitively
    default: str | None = None  # value used when the column is absent or empty
    important: bool = False  # an attribute segments and scores lean on: heavy missingness is a warning


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    customer_keyed: bool = True  # listed in the erasure registry
    description: str = ""
    depends_on: tuple[str, ...] = field(default=())  # tables to load first (fx rates before money)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


C = Column
EVENT_TYPES = ("track", "page", "identify", "screen", "group", "alias")

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("fx_rates", ("date", "currency"), (
        C("date", DATE, required=True),
        C("currency", required=True),
        C("rate", FLOAT, required=True),
    ), customer_keyed=False,
        description="units of the base currency per 1 unit of `currency`, by day"),
    Table("customers", ("customer_id",), (
        C("customer_id", required=True),
        C("created_at", TIMESTAMP, required=True),
        C("name", pii=True),
        C("email", pii=True),
        C("phone", pii=True),
        C("birth_year", INT, protected=True),
        C("gender", protected=True),
        C("city", important=True),
        C("region", important=True),
        C("country"),
        C("income", FLOAT, important=True),
        C("occupation"),
    ), description="static attributes of each customer"),
    Table("products", ("product_id",), (
        C("product_id", required=True),
        C("category", required=True),
        C("name"),
        C("price", FLOAT),
        C("currency"),
    ), customer_keyed=False, description="the catalogue"),
    Table("transactions", ("transaction_id",), (
        C("transaction_id", required=True),
        C("customer_id", required=True),
        C("timestamp", TIMESTAMP, required=True),
        C("amount", FLOAT, required=True),
        C("currency", required=True),
        C("kind", allowed=("purchase", "return"), default="purchase"),
        C("channel", allowed=("online", "store")),
        C("payment_method"),
        C("return_reason"),
    ), depends_on=("fx_rates",), description="purchases and returns"),
    Table("transaction_items", ("transaction_id", "product_id"), (
        C("transaction_id", required=True),
        C("product_id", required=True),
        C("quantity", FLOAT, required=True),
        C("unit_price", FLOAT, required=True),
    ), customer_keyed=False, description="lines of each transaction"),
    Table("events", ("message_id",), (
        C("message_id", required=True),
        C("type", required=True, allowed=EVENT_TYPES),
        C("timestamp", TIMESTAMP, required=True),
        C("customer_id"),
        C("anonymous_id"),
        C("event"),
        C("session_id"),
        C("user_agent"),
        C("page_path"),
        C("product_id"),
        C("properties"),
    ), description="behavioural events in the Segment spec shape"),
    Table("interactions", ("interaction_id",), (
        C("interaction_id", required=True),
        C("customer_id", required=True),
        C("timestamp", TIMESTAMP, required=True),
        C("channel", required=True),
        C("text", pii=True),
        C("rating", FLOAT),
        C("nps", FLOAT),
    ), description="calls, emails, chats, tickets, reviews"),
    Table("consents", ("customer_id", "purpose", "timestamp"), (
        C("customer_id", required=True),
        C("purpose", required=True),
        C("granted", BOOL, required=True),
        C("timestamp", TIMESTAMP, required=True),
        C("source"),
    ), description="consent records; the latest per (customer, purpose) is in force"),
    Table("external", ("date", "region", "indicator"), (
        C("date", DATE, required=True),
        C("region", required=True),
        C("indicator", required=True),
        C("value", FLOAT, required=True),
    ), customer_keyed=False, description="weather and economic indicators"),
)}

# Load order: every table after the tables it depends on.
LOAD_ORDER: tuple[str, ...] = tuple(TABLES)

RATING_RANGE = (1, 5)  # stars
NPS_RANGE = (0, 10)  # whole numbers: "how likely are you to recommend us?"

CONSENT_PURPOSES = ("profiling", "marketing", "analytics")


def protected_columns() -> set[str]:
    """Columns that are kept for fairness audits only and must never feed a model."""
    return {c.name for t in TABLES.values() for c in t.columns if c.protected}


def customer_keyed_tables() -> list[str]:
    """The erasure registry: every input table that holds rows about one customer."""
    return [t.name for t in TABLES.values() if t.customer_keyed]

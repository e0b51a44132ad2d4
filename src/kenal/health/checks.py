"""The structure every health finding shares, so new checks slot in beside the first ones."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

INFO, WARNING, ERROR = "info", "warning", "error"
SEVERITIES = (INFO, WARNING, ERROR)


@dataclass
class Check:
    id: str  # e.g. "missing_values"
    table: str
    severity: str
    count: int
    message: str
    action: str = ""  # what kenal did, or what the analyst should do
    column: str | None = None
    share: float | None = None  # count as a share of the table's rows
    examples: list[dict] = field(default_factory=list)  # up to 5 rows

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TableSummary:
    table: str
    rows: int
    columns: int
    read: int | None = None  # from the latest ingest of this table
    loaded: int | None = None
    duplicates: int | None = None
    quarantined: int | None = None


@dataclass
class HealthReport:
    tables: list[TableSummary]
    checks: list[Check]

    @property
    def worst(self) -> str:
        found = {c.severity for c in self.checks}
        return next((s for s in reversed(SEVERITIES) if s in found), INFO)

    def to_dict(self) -> dict:
        return {"worst_severity": self.worst, "tables": [asdict(t) for t in self.tables],
                "checks": [c.to_dict() for c in self.checks]}

"""The structure every health finding shares, so checks of every data type read alike."""

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
    details: list[dict] = field(default_factory=list)  # a breakdown (per currency, per reason, ...)
    reason: str | None = None  # tells apart findings of one id on one column (quarantine reasons)

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
    # 100 minus the share (in %) of rows touched by warning or error findings; 100 = nothing found.
    score: int = 100
    missing: dict[str, float] = field(default_factory=dict)  # column -> share of rows missing


@dataclass
class HealthReport:
    tables: list[TableSummary]
    checks: list[Check]
    reference_time: str = ""  # the as-of time that "recent" and "stale" are measured against
    volume: list[dict] = field(default_factory=list)  # month, customers, transactions, events
    recommended_segmentation: str = "clustering"  # or "rules" when the data are too few or stale
    # Against the previous stored health run: id, table, column, before, after, trend
    # ("better", "worse", "new", "resolved").
    changes: list[dict] = field(default_factory=list)

    @property
    def worst(self) -> str:
        found = {c.severity for c in self.checks}
        return next((s for s in reversed(SEVERITIES) if s in found), INFO)

    def at_least(self, severity: str) -> list[Check]:
        rank = SEVERITIES.index(severity)
        return [c for c in self.checks if SEVERITIES.index(c.severity) >= rank]

    def to_dict(self) -> dict:
        return {"worst_severity": self.worst, "reference_time": self.reference_time,
                "recommended_segmentation": self.recommended_segmentation,
                "tables": [asdict(t) for t in self.tables], "volume": self.volume,
                "checks": [c.to_dict() for c in self.checks], "changes": self.changes}

    @classmethod
    def from_dict(cls, data: dict) -> "HealthReport":
        return cls(tables=[TableSummary(**t) for t in data["tables"]],
                   checks=[Check(**c) for c in data["checks"]],
                   reference_time=data.get("reference_time", ""), volume=data.get("volume", []),
                   recommended_segmentation=data.get("recommended_segmentation", "clustering"),
                   changes=data.get("changes", []))

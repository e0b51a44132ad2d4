"""Ingest: read a folder of CSV / Parquet files, validate every row, load the canonical tables.

>>> report = ingest(store, "data/")          # doctest: +SKIP
>>> report.tables["transactions"].quarantined  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from kenal.ingest import log as ingest_log
from kenal.ingest import money
from kenal.ingest.load import QUARANTINE, TableCounts, load
from kenal.ingest.sources import RAW, discover, read
from kenal.ingest.validate import stage
from kenal.schema import TABLES
from kenal.store import Store

__all__ = ["IngestReport", "TableCounts", "ingest", "QUARANTINE"]
log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    tables: dict[str, TableCounts] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {name: counts.to_dict() for name, counts in self.tables.items()}


def ingest(store: Store, folder: str | Path) -> IngestReport:
    """Validate and load every file in ``folder``; bad rows go to the quarantine table."""
    report = IngestReport()
    for source in discover(Path(folder)):
        spec = TABLES[source.table]
        raw = read(store.con, source)
        staged = stage(source, raw)
        if source.table == "transactions":
            staged = money.convert(staged, store)
        staged = store.con.create_table("_staged", staged, temp=True, overwrite=True)
        counts = load(store, spec, staged, raw, source.name)
        log.info("%s: read %d, loaded %d, duplicates %d, quarantined %d", source.name, counts.read,
                 counts.loaded, counts.duplicates, counts.quarantined)
        report.tables[source.table] = counts
    ingest_log.record(store, list(report.tables.values()))
    for temp in (RAW, "_staged", "_ranked", "_first", "_quarantined"):
        store.con.drop_table(temp, force=True)
    return report

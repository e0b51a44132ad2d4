"""Ingest: read a folder of CSV / Parquet files, validate every row, load the canonical tables.

>>> report = ingest(store, "data/")          # doctest: +SKIP
>>> report.tables["transactions"].quarantined  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import ibis.expr.types as ir

from kenal.clock import SECONDS_PER_DAY
from kenal.ingest import log as ingest_log
from kenal.ingest import money
from kenal.ingest.load import QUARANTINE, TableCounts, canonical_columns, load
from kenal.ingest.sources import Source, discover, file_errors, read
from kenal.ingest.validate import stage, zoned_flag
from kenal.schema import TABLES, TIMESTAMP, Table
from kenal.store import Store

__all__ = ["IngestReport", "TableCounts", "ingest", "QUARANTINE"]
log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    tables: dict[str, TableCounts] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {name: counts.to_dict() for name, counts in self.tables.items()}


def timestamp_zones(staged: ir.Table, spec: Table) -> dict[str, dict]:
    """Per timestamp column: how many values carry a UTC offset, how many do not, and how many hours
    the naive values' typical time of day sits from the zoned ones' (a naive UTC clock shows as ~7 h
    in Jakarta).  The time of day is averaged on the circle, so 23:00 and 01:00 average to midnight."""
    columns = [c.name for c in spec.columns if c.type == TIMESTAMP and zoned_flag(c.name) in staged.columns]
    if not columns:
        return {}
    aggs = {}
    for c in columns:
        value, zoned = staged[c], staged[zoned_flag(c)]
        given = value.notnull()
        # The time of day from epoch seconds: integer arithmetic, where extracting hour and minute
        # from a zoned value goes through a calendar per row.  A negative remainder (before 1970)
        # gives the same point on the circle.
        angle = (value.epoch_seconds() % SECONDS_PER_DAY).cast("float64") * (2 * math.pi / SECONDS_PER_DAY)
        for kind, where in (("zoned", given & zoned), ("naive", given & ~zoned)):
            aggs[f"{c}__{kind}"] = where.sum()
            aggs[f"{c}__{kind}_sin"] = angle.sin().sum(where=where)
            aggs[f"{c}__{kind}_cos"] = angle.cos().sum(where=where)
    n = staged.aggregate(**aggs).execute().iloc[0]
    found = {}
    for c in columns:
        zoned, naive = int(n[f"{c}__zoned"] or 0), int(n[f"{c}__naive"] or 0)
        found[c] = {"zoned": zoned, "naive": naive}
        if zoned and naive:
            hours = [math.atan2(n[f"{c}__{k}_sin"], n[f"{c}__{k}_cos"]) * 24 / (2 * math.pi) for k in ("zoned", "naive")]
            found[c]["naive_offset_hours"] = round((hours[1] - hours[0] + 12) % 24 - 12, 2)
    return found


def _stage(store: Store, source: Source, staged: ir.Table) -> ir.Table:
    """The staged rows computed once, canonical columns first; a file the reader trips over only now is named."""
    canonical = canonical_columns(TABLES[source.table], staged)
    staged = staged.select(*canonical, *[c for c in staged.columns if c not in canonical])
    with file_errors(source, scanned=True):
        return store.stage(staged)


def ingest(store: Store, folder: str | Path) -> IngestReport:
    """Validate and load every file in ``folder``; bad rows go to the quarantine table."""
    report = IngestReport()
    try:
        for source in discover(Path(folder)):
            source.timezone = store.settings.timezone
            spec = TABLES[source.table]
            raw = read(store, source)
            staged = stage(source, raw)
            if source.table == "transactions":
                staged = money.convert(staged, store)
            staged = _stage(store, source, staged)
            zones = timestamp_zones(staged, spec)  # before loading: a first load may turn staged into the table
            counts = load(store, spec, staged, raw, source.name)
            counts.timestamp_zones = zones
            log.info("%s: read %d, loaded %d, duplicates %d, quarantined %d", source.name, counts.read,
                     counts.loaded, counts.duplicates, counts.quarantined)
            report.tables[source.table] = counts
        ingest_log.record(store, list(report.tables.values()))
    finally:
        store.clear_staging()  # the files as read and staged: nothing after ingest reads them
    return report

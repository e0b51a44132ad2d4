"""Loading staged rows: new rows in, duplicates counted, conflicts and bad rows to quarantine.

Loading is idempotent by natural key: a row whose key is already in the store with the same
content is a duplicate and changes nothing; with different content it is a ``key_conflict``
and is quarantined, so nothing loaded earlier is overwritten silently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import ibis
import ibis.expr.types as ir

from kenal.ingest.validate import row_hash
from kenal.schema import Table
from kenal.store import Store, conform

QUARANTINE = "quarantine"
QUARANTINE_SCHEMA = ibis.schema({
    "table": "string", "source_file": "string", "source_row": "int64", "reason": "string",
    "column": "string", "value": "string", "row": "string", "ingested_at": "timestamp('UTC')",
})


@dataclass
class TableCounts:
    table: str
    file: str
    read: int = 0
    loaded: int = 0
    duplicates: int = 0  # rows equal to one loaded before them: ...
    repeated_in_file: int = 0  # ... of which repeat a row of the same file (the rest were already stored)
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    timestamp_zones: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> zoned / naive

    def to_dict(self) -> dict:
        return asdict(self)


def canonical_columns(spec: Table, staged: ir.Table) -> list[str]:
    extra = [c for c in ("amount_base", "fx_rate") if c in staged.columns]
    return [*spec.column_names, *extra, "extra", "_source_file", "_source_row"]


def load(store: Store, spec: Table, staged: ir.Table, raw: ir.Table, file: str) -> TableCounts:
    """Load one staged table (stored once, scanned several times) into ``spec.name``; return the counts.

    ``raw`` is the file as read: quarantined rows are kept with all their original values.
    """
    now = datetime.now(timezone.utc)
    key = list(spec.key)
    totals = staged.aggregate(read=staged.count(), good=staged._reason.isnull().sum()).execute().iloc[0]
    counts = TableCounts(spec.name, file, read=int(totals["read"]))
    n_good = int(totals["good"] or 0)

    # Keys given more than once in the file are found by a hash of the key (8 bytes a row, where the keys
    # themselves may not fit in memory); only the rows behind a repeated hash are ranked by their key.
    good = staged.filter(staged._reason.isnull())
    good = good.mutate(_key_hash=ibis.struct({k: good[k] for k in key}).hash())
    repeated_hashes = store.materialise(
        good.group_by("_key_hash").aggregate(_n=good.count()).filter(lambda t: t._n > 1).select("_key_hash"))
    repeated = int(repeated_hashes.count().execute()) > 0
    stored_before = store.count(spec.name)
    has_rows = stored_before > 0
    if repeated or has_rows:  # hashes are needed only to compare rows that share a key
        good = good.mutate(_row_hash=row_hash(good, spec))
    else:
        good = good.mutate(_row_hash=ibis.null("int64"))
    single = good.anti_join(repeated_hashes, "_key_hash") if repeated else good
    first = single.mutate(_rank=ibis.literal(0, "int64"), _first_hash=single._row_hash)
    if repeated:  # rank rows sharing a key in file order; the first one stands for the key
        shared = good.semi_join(repeated_hashes, "_key_hash")
        window = ibis.window(group_by=key, order_by="_source_row")
        ranked = store.materialise(shared.mutate(
            _rank=ibis.row_number().over(window), _first_hash=shared._row_hash.first().over(window)))
        # conform: a stored table carries the engine's own types (Spark's hash is a 32-bit int)
        first = first.union(conform(ranked.filter(ranked._rank == 0), dict(first.schema().items())))
        later = ranked.filter(ranked._rank > 0)
    else:
        later = first.filter(ibis.literal(False))
    if has_rows:
        # Hash the stored rows now rather than keep old hashes: the comparison never depends on
        # how an earlier engine version hashed.  Only stored rows whose key is in the file are hashed.
        old = store.table(spec.name).semi_join(first.select(*key), key)
        existing = old.select(*key, _existing_hash=row_hash(old, spec))
        first = store.spill(first.left_join(existing, key).select(*first.columns, "_existing_hash"))
    else:
        first = first.mutate(_existing_hash=ibis.null("int64"))

    n_later = int(later.count().execute())
    counts.repeated_in_file = int(later.filter(later._row_hash == later._first_hash).count().execute())
    n_stored = int(first.filter(first._existing_hash.notnull()).count().execute()) if has_rows else 0
    counts.duplicates = counts.repeated_in_file + (
        int(first.filter(first._existing_hash == first._row_hash).count().execute()) if has_rows else 0)

    def conflict(t: ir.Table, where: ir.BooleanValue) -> ir.Table:
        return t.filter(where).mutate(
            _reason=ibis.literal("key_conflict"), _reason_column=ibis.literal(",".join(key)),
            _reason_value=ibis.literal(",").join([t[k].cast("string") for k in key]))

    columns = ["_source_file", "_source_row", "_reason", "_reason_column", "_reason_value"]
    bad = store.materialise(staged.filter(staged._reason.notnull()).select(*columns).union(
        conflict(later, later._row_hash != later._first_hash).select(*columns),
        conflict(first, first._existing_hash.notnull() & (first._existing_hash != first._row_hash)).select(*columns)))
    # The original values of the bad rows only: turning every row of a large file into JSON would cost more.
    original = raw.semi_join(bad, "_source_row")
    original = original.select("_source_row", _row=ibis.struct(
        {c: original[c].cast("string") for c in raw.columns if c != "_source_row"}).cast("json").cast("string"))
    bad = bad.join(original, "_source_row")
    quarantined = store.materialise(bad.select(
        table=ibis.literal(spec.name), source_file=bad._source_file, source_row=bad._source_row,
        reason=bad._reason, column=bad._reason_column, value=bad._reason_value, row=bad._row,
        ingested_at=ibis.literal(now, type="timestamp('UTC')")))
    by_reason = quarantined.group_by("reason").aggregate(n=quarantined.count()).execute()
    counts.reasons = {r: int(n) for r, n in zip(by_reason.reason, by_reason.n)}
    counts.quarantined = sum(counts.reasons.values())
    if counts.quarantined:
        if store.has(QUARANTINE):
            # Re-ingesting the same bad rows does not add them again.
            seen = store.table(QUARANTINE).select("table", "source_row", "reason", "row")
            quarantined = quarantined.anti_join(seen, ["table", "source_row", "reason", "row"])
        store.append(QUARANTINE, quarantined)

    # Written last: a first load may turn ``staged`` itself into the table, so nothing reads it after.
    if n_good - n_later - n_stored:
        wanted = canonical_columns(spec, staged)
        not_loaded = staged.filter(staged._reason.notnull()).select("_source_row").union(later.select("_source_row"))
        if has_rows or not store.adopt(spec.name, staged, wanted, not_loaded):
            store.append(spec.name, first.filter(first._existing_hash.isnull()).select(*wanted))
    counts.loaded = store.count(spec.name) - stored_before  # counted, not derived: the check below means something

    if counts.read != counts.loaded + counts.duplicates + counts.quarantined:
        raise AssertionError(f"ingest lost rows of {file}: {counts}")  # a bug, never a user error
    return counts

"""The ingest log: what each ingest read and did, per table, kept in the store."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd

from kenal.store import Store

INGEST_LOG = "ingest_log"


def record(store: Store, counts: list) -> None:
    now = datetime.now(timezone.utc)
    rows = [{"ingested_at": now, "table": c.table, "file": c.file, "read": c.read, "loaded": c.loaded,
             "duplicates": c.duplicates, "repeated_in_file": c.repeated_in_file, "quarantined": c.quarantined,
             "timestamp_zones": json.dumps(c.timestamp_zones)} for c in counts]
    if not rows:
        return
    if store.has(INGEST_LOG):  # a workspace made by an earlier kenal: add the columns it lacks
        known = set(store.table(INGEST_LOG).columns)
        for name, sql_type in (("repeated_in_file", "BIGINT"), ("timestamp_zones", "VARCHAR")):
            if name not in known:
                store.con.raw_sql(f"ALTER TABLE {INGEST_LOG} ADD COLUMN {name} {sql_type}")
    store.append(INGEST_LOG, pd.DataFrame(rows))

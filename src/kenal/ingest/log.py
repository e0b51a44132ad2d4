"""The ingest log: what each ingest read and did, per table, kept in the store."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from kenal.store import Store

INGEST_LOG = "ingest_log"


def record(store: Store, counts: list) -> None:
    now = datetime.now(timezone.utc)
    rows = [{"ingested_at": now, "table": c.table, "file": c.file, "read": c.read, "loaded": c.loaded,
             "duplicates": c.duplicates, "quarantined": c.quarantined} for c in counts]
    if rows:
        store.append(INGEST_LOG, pd.DataFrame(rows))

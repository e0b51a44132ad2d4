"""The ingest log: what each ingest read and did, per table, kept in the store."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import ibis
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
        old = store.table(INGEST_LOG)
        missing = {name: ibis.null(dtype).name(name) for name, dtype in
                   (("repeated_in_file", "int64"), ("timestamp_zones", "string")) if name not in old.columns}
        if missing:
            store.write(INGEST_LOG, old.mutate(**missing).to_pyarrow())
    store.append(INGEST_LOG, pd.DataFrame(rows))

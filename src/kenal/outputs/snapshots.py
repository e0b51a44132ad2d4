"""Snapshots: every run has an id and an as-of time, and every output row carries the id."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import ibis
import pandas as pd

from kenal.config import Settings
from kenal.errors import WorkspaceError
from kenal.store import Store, conform

SNAPSHOTS = "snapshots"
FEATURES = "features"
ASSIGNMENTS = "segment_assignments"
SEGMENTS = "segments"
SEGMENTATION_RUNS = "segmentation_runs"


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    as_of: datetime
    created_at: datetime


def default_as_of(store: Store, now: datetime | None = None) -> datetime:
    """The latest purchase that is not in the future: the data's own cut-off."""
    return store.data_cutoff(now)


def new_snapshot(store: Store, as_of: datetime, settings: Settings) -> Snapshot:
    """A new snapshot id: the as-of date on the workspace's clock and a sequence number."""
    n = store.count(SNAPSHOTS) + 1
    snap = Snapshot(f"{settings.local(as_of):%Y%m%d}-{n:03d}", as_of, datetime.now(timezone.utc))
    store.append(SNAPSHOTS, pd.DataFrame([{
        "snapshot_id": snap.snapshot_id, "as_of": pd.Timestamp(as_of), "created_at": pd.Timestamp(snap.created_at),
        "settings": json.dumps(asdict(settings), sort_keys=True)}]))
    return snap


def latest_snapshot_id(store: Store) -> str:
    if not store.has(ASSIGNMENTS):
        raise WorkspaceError("the workspace has no segments yet; run 'kenal run' first")
    t = store.table(ASSIGNMENTS).select("snapshot_id").distinct()
    s = store.table(SNAPSHOTS)
    ids = s.semi_join(t, "snapshot_id").order_by(ibis.desc("created_at")).limit(1).execute()
    return str(ids.snapshot_id.iloc[0])


def snapshot_segmentations(store: Store, snapshot_id: str) -> list[str]:
    """The segmentations with assigned customers in a snapshot, by name."""
    if not store.has(ASSIGNMENTS):
        return []
    t = store.table(ASSIGNMENTS)
    names = t.filter(t.snapshot_id == snapshot_id).select("segmentation").distinct().execute()
    return sorted(names.segmentation)


def stored_segmentations(store: Store, snapshot_id: str) -> list[dict]:
    """A snapshot's segmentation runs as stored, each with ``segments``: its profiles, by id."""
    if not store.has(SEGMENTATION_RUNS):
        return []
    runs = store.table(SEGMENTATION_RUNS)
    runs = runs.filter(runs.snapshot_id == snapshot_id).execute()
    profiles: dict[str, list[dict]] = {}
    if store.has(SEGMENTS):
        seg = store.table(SEGMENTS)
        rows = seg.filter(seg.snapshot_id == snapshot_id).order_by(["segmentation", "segment_id"]).execute()
        for name, profile in zip(rows.segmentation, rows.profile):
            profiles.setdefault(name, []).append(json.loads(profile))
    # runs stored before segmentations had kinds were k-means or RFM, told apart by their method
    return [{"name": r["segmentation"], "kind": r.get("kind") or ("rfm" if r["method"] == "rfm" else "clustering"),
             "method": r["method"],
             "reason": r["choice_reason"], "segments": profiles.get(r["segmentation"], []),
             "rules_summary": r.get("rules_summary") or "", "warnings": json.loads(r.get("warnings") or "[]")}
            for r in runs.to_dict("records")]


def replace_rows(store: Store, table: str, snapshot_id: str, rows: pd.DataFrame | ibis.Table) -> None:
    """Write one snapshot's rows of an output table (a re-run of the same snapshot replaces them).

    Snapshots may differ in columns (a category that enters the top list adds a share column):
    the table then takes the union of the columns, NULL where a snapshot has no value.
    """
    new = rows if isinstance(rows, ibis.Table) else ibis.memtable(rows)
    if not store.has(table):
        store.append(table, new)
        return
    old = store.table(table)
    kept = old.filter(old.snapshot_id != snapshot_id)
    same_columns = list(old.schema().items()) == list(new.schema().items())
    if same_columns and int(kept.count().execute()) == store.count(table):
        store.append(table, new)  # the common case: nothing to replace, nothing to align
        return
    schema = {**dict(old.schema().items()), **dict(new.schema().items())}
    store.write(table, conform(kept, schema).union(conform(new, schema)).to_pyarrow())

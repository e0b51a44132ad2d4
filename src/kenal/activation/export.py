"""Exports: segment assignments to a file other tools read."""

from __future__ import annotations

from pathlib import Path

from kenal.errors import ConfigError, WorkspaceError
from kenal.outputs import ASSIGNMENTS, latest_snapshot_id, snapshot_segmentations, stored_segmentations
from kenal.store import Store

FORMATS = ("csv", "parquet")
EXPORT_COLUMNS = ["customer_id", "segmentation", "segment_id", "segment_name", "snapshot_id"]


def export_segments(store: Store, output: Path, fmt: str | None = None, snapshot_id: str | None = None,
                    segmentation: str | None = None) -> int:
    """Write one snapshot's assignments of one segmentation (default: the first configured one
    the snapshot has); returns the number of customers written."""
    output = Path(output)
    fmt = fmt or output.suffix.lstrip(".").lower() or "csv"
    if fmt not in FORMATS:
        raise ConfigError(f"export format '{fmt}' is not supported; expected one of {', '.join(FORMATS)}")
    snapshot_id = snapshot_id or latest_snapshot_id(store)
    present = snapshot_segmentations(store, snapshot_id)
    if segmentation is None:
        configured = [s.name for s in store.settings.segmentations if s.name in present]
        segmentation = (configured or present or [None])[0]
    if segmentation not in present:
        known = ", ".join(present) or "none"
        raise WorkspaceError(f"snapshot '{snapshot_id}' has no '{segmentation}' segments to export; "
                             f"its segmentations: {known}")
    kind = next(g["kind"] for g in stored_segmentations(store, snapshot_id) if g["name"] == segmentation)
    if kind == "demographic":
        raise WorkspaceError(f"segmentation '{segmentation}' groups customers by a protected attribute; it "
                             "describes customers in the report and is not exported for targeting")
    t = store.table(ASSIGNMENTS)
    t = t.filter((t.snapshot_id == snapshot_id) & (t.segmentation == segmentation))
    n = int(t.count().execute())
    t = t.select(*EXPORT_COLUMNS).order_by("customer_id")
    output.parent.mkdir(parents=True, exist_ok=True)
    (t.to_csv if fmt == "csv" else t.to_parquet)(str(output))
    return n

"""Outputs: snapshots and their tables (features, segment assignments, segment profiles)."""

from kenal.outputs.snapshots import (ASSIGNMENTS, DEFAULT_SEGMENTATION, FEATURES, SEGMENTATION_RUNS, SEGMENTS,
                                     SNAPSHOTS, Snapshot, default_as_of, latest_snapshot_id, new_snapshot,
                                     replace_rows)

__all__ = ["ASSIGNMENTS", "DEFAULT_SEGMENTATION", "FEATURES", "SEGMENTATION_RUNS", "SEGMENTS", "SNAPSHOTS",
           "Snapshot", "default_as_of", "latest_snapshot_id", "new_snapshot", "replace_rows"]

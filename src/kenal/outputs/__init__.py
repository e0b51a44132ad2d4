"""Outputs: snapshots and their tables (features, segment assignments, segment profiles)."""

from kenal.outputs.snapshots import (ASSIGNMENTS, FEATURES, SEGMENTATION_RUNS, SEGMENTS, SNAPSHOTS, Snapshot,
                                     default_as_of, latest_snapshot_id, new_snapshot, replace_rows,
                                     snapshot_segmentations, stored_segmentations)

__all__ = ["ASSIGNMENTS", "FEATURES", "SEGMENTATION_RUNS", "SEGMENTS", "SNAPSHOTS", "Snapshot", "default_as_of",
           "latest_snapshot_id", "new_snapshot", "replace_rows", "snapshot_segmentations",
           "stored_segmentations"]

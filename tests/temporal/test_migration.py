"""Backfill dates and the migration between two snapshots, counted in the engine."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from kenal.errors import ConfigError, WorkspaceError
from kenal.outputs import ASSIGNMENTS
from kenal.temporal.backfill import as_of_dates
from kenal.temporal.migration import ABSENT, matrix, migration, stayed


def test_backfill_dates_step_from_the_first_and_keep_month_ends():
    assert as_of_dates(date(2026, 1, 31), date(2026, 5, 1), "month") == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert as_of_dates(date(2026, 4, 30), date(2026, 6, 30), "month") == [
        date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30)]
    assert as_of_dates(date(2026, 1, 15), date(2026, 3, 15), "month") == [
        date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)]
    assert as_of_dates(date(2026, 1, 1), date(2026, 1, 15), "week") == [
        date(2026, 1, 1), date(2026, 1, 8), date(2026, 1, 15)]
    with pytest.raises(ConfigError, match="--every 'quarter' is not supported; expected one of day, week, month"):
        as_of_dates(date(2026, 1, 1), date(2026, 6, 1), "quarter")
    with pytest.raises(ConfigError, match="--to 2025-01-01 is before --from 2026-01-01"):
        as_of_dates(date(2026, 1, 1), date(2025, 1, 1), "month")


def _assign(store, sid: str, segments: dict[str, str]) -> None:
    store.append(ASSIGNMENTS, pd.DataFrame({
        "snapshot_id": sid, "segmentation": "lifecycle", "customer_id": list(segments),
        "segment_id": [0] * len(segments), "segment_name": list(segments.values())}))


def test_migration_counts_movers_stayers_and_customers_who_came_or_went(store):
    _assign(store, "S1", {"a": "Active", "b": "Active", "c": "Active", "d": "At risk", "e": "Lapsed"})
    _assign(store, "S2", {"a": "Active", "b": "At risk", "c": "At risk", "d": "Active", "f": "New"})
    table = migration(store, "lifecycle", "S1", "S2")
    assert table.to_dict("records") == [
        {"from_segment": ABSENT, "to_segment": "New", "customers": 1, "share": 1.0},
        {"from_segment": "Active", "to_segment": "Active", "customers": 1, "share": 1 / 3},
        {"from_segment": "Active", "to_segment": "At risk", "customers": 2, "share": 2 / 3},
        {"from_segment": "At risk", "to_segment": "Active", "customers": 1, "share": 1.0},
        {"from_segment": "Lapsed", "to_segment": ABSENT, "customers": 1, "share": 1.0},
    ]
    assert stayed(table) == 1 / 4  # a, b, c, d are in both; only a kept its segment
    assert matrix(table).loc["Active"].to_dict() == {"Active": 1, "At risk": 2, "New": 0, ABSENT: 0}


def test_migration_names_a_snapshot_without_the_segmentation(store):
    _assign(store, "S1", {"a": "Active"})
    with pytest.raises(WorkspaceError) as error:
        migration(store, "lifecycle", "S1", "S9")
    assert str(error.value) == ("snapshot 'S9' has no 'lifecycle' segments; see 'kenal segments list --snapshot ID' "
                                "for what a snapshot has")

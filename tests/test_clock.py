"""The workspace's wall clock as Ibis expressions, against zoneinfo, across daylight-saving changes."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import ibis
import pytest

from kenal.clock import day_of_week, from_local, local_day, to_local, transitions
from kenal.config import Settings
from kenal.store import duckdb_session

UTC = "timestamp('UTC')"


def run(expr):
    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    return con.execute(expr)


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Europe/Berlin", "America/Sao_Paulo"])
def test_to_local_and_back_match_zoneinfo(zone):
    instants = [datetime(2026, 3, 29, 0, 59, 59, tzinfo=timezone.utc), datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc),
                datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc), datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc),
                datetime(2018, 11, 4, 3, 0, tzinfo=timezone.utc), datetime(1995, 7, 1, 12, 0, tzinfo=timezone.utc)]
    t = ibis.memtable({"ts": instants}, schema={"ts": UTC})
    got = run(t.select(local=to_local(t.ts, zone), back=from_local(to_local(t.ts, zone), zone)))
    expected = [i.astimezone(ZoneInfo(zone)).replace(tzinfo=None) for i in instants]
    assert [x.tz_convert(None).to_pydatetime() for x in got.local] == expected
    # back to the instant, except inside an overlap, where the earlier offset is taken
    for i, back in zip(instants, got.back):
        assert back.to_pydatetime() == i or i.astimezone(ZoneInfo(zone)).fold == 1


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Europe/Berlin", "America/Sao_Paulo"])
def test_local_day_and_weekday_match_zoneinfo(zone):
    """Around daylight-saving changes, at local midnight, and before 1970 (negative epoch seconds)."""
    instants = [datetime(2026, 3, 29, 0, 59, 59, tzinfo=timezone.utc), datetime(2026, 3, 28, 22, 59, 59, tzinfo=timezone.utc),
                datetime(2026, 3, 28, 23, 0, tzinfo=timezone.utc), datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc),
                datetime(2026, 1, 1, 16, 59, 59, tzinfo=timezone.utc), datetime(2026, 1, 1, 17, 0, tzinfo=timezone.utc),
                datetime(1969, 12, 31, 23, 0, tzinfo=timezone.utc), datetime(1965, 6, 2, 12, 0, tzinfo=timezone.utc)]
    t = ibis.memtable({"ts": instants}, schema={"ts": UTC})
    days = local_day(t.ts, zone)
    got = run(t.select(day=days, weekday=day_of_week(days)))
    local = [i.astimezone(ZoneInfo(zone)).date() for i in instants]
    assert got.day.tolist() == [(d - date(1970, 1, 1)).days for d in local]
    assert got.weekday.tolist() == [d.weekday() for d in local]


def test_jakarta_is_a_constant_seven_hours():
    assert transitions("Asia/Jakarta") == ((), (25200,))
    t = ibis.memtable({"wall": [datetime(2026, 1, 1, 10, 0, tzinfo=timezone.utc)]}, schema={"wall": UTC})
    assert str(run(t.select(i=from_local(t.wall, "Asia/Jakarta"))).i[0]) == "2026-01-01 03:00:00+00:00"


def test_the_duckdb_session_takes_epoch_seconds_of_a_zoned_timestamp_directly(tmp_path):
    """Without the cast to a naive timestamp Ibis writes (five times slower in DuckDB); the same seconds."""
    con = duckdb_session(ibis.duckdb.connect(), Settings(), tmp_path)
    instants = [datetime(2026, 1, 1, 0, 0, 1, 500000, tzinfo=timezone.utc), datetime(1969, 12, 31, 23, 59, 59, tzinfo=timezone.utc)]
    t = ibis.memtable({"ts": instants}, schema={"ts": UTC})
    expr = t.select(s=t.ts.epoch_seconds())
    assert "CAST" not in con.compile(expr)
    assert con.execute(expr).s.tolist() == [1767225601, -1]  # whole seconds, as Ibis types it

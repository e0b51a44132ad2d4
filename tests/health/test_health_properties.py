"""Property: random malformed rows in every input table go through ingest and health without a crash,
and every row is accounted for (loaded, quarantined or a duplicate) in the health report too."""

from __future__ import annotations

import csv

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kenal.config import Settings
from kenal.health import health_summary
from kenal.ingest import QUARANTINE, ingest
from kenal.schema import TABLES
from kenal.store import Store

TABLE_NAMES = ("customers", "transactions", "events", "interactions", "external")
cell = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=10),
    st.sampled_from(["", "nan", "-1", "0", "7", "1e309", "2026-02-30", "2026-01-01T10:00:00+07:00",
                     "2026-01-01 10:00", "2099-01-01T00:00:00Z", "1850", "IDR", "USD", "XYZ", "purchase", "return",
                     "page", "track", "C1", "C2", "S1", "curl/8.4.0", "http://bit.ly/x", "Bali", "a@x.id",
                     "0812-1111-2222", "rusak", "1.250.000,50", "  ", "\"", ";"]))
# One valid row per file, so no typed column is empty of valid values (a whole-source rejection,
# tested in tests/ingest) and the random rows reach the health checks.
VALID = {
    "customers": ["C1", "2025-01-01T00:00:00+07:00", "Ani", "a@x.id", "0812-1111-2222", "1990", "f", "Denpasar",
                  "Bali", "ID", "5000000", "Guru"],
    "transactions": ["T1", "C1", "2026-01-01T10:00:00+07:00", "100000", "IDR", "purchase", "online", "cash", ""],
    "events": ["m1", "page", "2026-01-01T10:00:00+07:00", "C1", "A1", "", "S1", "curl/8.4.0", "/", "", ""],
    "interactions": ["I1", "C1", "2026-01-01T10:00:00+07:00", "review", "bagus", "5", "9"],
    "external": ["2026-01-01", "Bali", "rain_mm", "3.5"],
}
tables = st.dictionaries(st.sampled_from(TABLE_NAMES), st.lists(st.lists(cell, min_size=2, max_size=12),
                                                                   max_size=12), min_size=1)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(files=tables)
def test_health_never_crashes_and_every_row_is_accounted_for(tmp_path_factory, files):
    root = tmp_path_factory.mktemp("prop")
    (root / "in").mkdir()
    for name, rows in files.items():
        with open(root / "in" / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(TABLES[name].column_names)
            w.writerow(VALID[name])
            w.writerows(rows)
    store = Store.open(root / "ws", Settings(consent_default="grant"))
    try:
        ingest(store, root / "in")
        report = health_summary(store)
        for t in report.tables:
            if t.read is None:
                continue
            assert t.read == t.loaded + t.duplicates + t.quarantined, t
            assert t.rows == t.loaded, t
        quarantined = store.count(QUARANTINE)
        assert quarantined == sum(t.quarantined or 0 for t in report.tables)
        assert sum(t.read or 0 for t in report.tables) == sum(len(r) + 1 for r in files.values())
    finally:
        store.close()

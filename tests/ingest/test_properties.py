"""Property: whatever rows arrive, ingest neither crashes nor loses one."""

from __future__ import annotations

import csv

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kenal.config import Settings
from kenal.ingest import QUARANTINE, ingest
from kenal.store import Store

cell = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12),
    st.sampled_from(["", "nan", "inf", "-1", "1e309", "2026-02-30", "2026-01-01T10:00:00+07:00", "IDR", "USD",
                     "purchase", "return", "1.250.000,50", "T1", "C1", "  ", "\"", ";", "NULL"]))
row = st.lists(cell, min_size=4, max_size=9)  # short and overlong rows too


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=0, max_size=15))
def test_every_row_is_loaded_quarantined_or_a_duplicate(tmp_path_factory, rows):
    root = tmp_path_factory.mktemp("prop")
    (root / "in").mkdir()
    with open(root / "in" / "transactions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["transaction_id", "customer_id", "timestamp", "amount", "currency", "kind", "extra"])
        w.writerows(rows)
    store = Store.open(root / "ws", Settings())
    try:
        try:
            report = ingest(store, root / "in")
        except Exception as exc:  # a whole-source rejection is allowed, and must be a KenalError
            from kenal.errors import SourceError
            assert isinstance(exc, SourceError), repr(exc)
            return
        c = report.tables["transactions"]
        assert c.read == c.loaded + c.duplicates + c.quarantined
        assert store.count("transactions") == c.loaded
        assert store.count(QUARANTINE) == c.quarantined
    finally:
        store.close()

"""The health report on the sample generated without defects: nothing above info fires."""

from __future__ import annotations

from kenal.config import Settings
from kenal.health import health_summary
from kenal.ingest import ingest
from kenal.sample import generate_sample, write_sample
from kenal.store import Store


def test_clean_sample_has_no_finding_above_info(tmp_path):
    data = generate_sample(n_customers=10_000, seed=5, defects=False)
    assert set(data.defects.values()) == {0}
    write_sample(data, tmp_path / "input", tmp_path / "truth")
    store = Store.open(tmp_path / "ws", Settings())
    try:
        ingest(store, tmp_path / "input")
        report = health_summary(store)
    finally:
        store.close()
    assert [(c.id, c.table, c.column, c.message) for c in report.at_least("warning")] == []
    assert report.recommended_segmentation == "clustering"
    assert {t.table: t.score for t in report.tables} == {t.table: 100 for t in report.tables}
    # The same checks ran: the informational ones describe the data.
    ids = {c.id for c in report.checks}
    assert {"currency_conversion", "returns", "text_languages", "anonymous_events_linked", "recent_data"} <= ids

"""A run on the least data kenal accepts: three customers with nothing but an id and a join date,
four purchases, no events, no consents file (consent granted in kenal.toml).  Every segmentation
either runs or says why not; nothing fails."""

from __future__ import annotations

from kenal.config import Settings
from kenal.pipeline import run
from tests.conftest import write_csv


def test_a_shop_without_events_or_regions_runs_and_says_what_it_could_not_do(tmp_path):
    folder = tmp_path / "input"
    write_csv(folder, "customers", ["customer_id", "created_at"],
              [["C1", "2025-01-01T00:00:00Z"], ["C2", "2025-02-01T00:00:00Z"], ["C3", "2025-03-01T00:00:00Z"]])
    write_csv(folder, "transactions", ["transaction_id", "customer_id", "timestamp", "amount", "currency", "kind"],
              [["T1", "C1", "2025-05-01T00:00:00Z", "100000", "IDR", "purchase"],
               ["T2", "C2", "2025-05-02T00:00:00Z", "200000", "IDR", "purchase"],
               ["T3", "C3", "2025-06-01T00:00:00Z", "50000", "IDR", "purchase"],
               ["T4", "C1", "2025-06-05T00:00:00Z", "70000", "IDR", "purchase"]])
    result = run(tmp_path / "ws", Settings(consent_default="grant"), input_dir=folder)
    by_name = {s.name: s for s in result.segmentations}
    assert by_name["technographic"].skipped
    assert by_name["technographic"].reason == ("Not run: the data has no main_platform for any customer; "
                                               "technographic segments need web or app events (events.csv).")
    # no region for anyone: one group of everybody, named for what it is
    assert [(p.name, p.size) for p in by_name["geographic"].segments] == [("Unknown", 3)]
    assert by_name["value"].segments[0].size == 1  # the top tier: C1, 170,000 of 420,000

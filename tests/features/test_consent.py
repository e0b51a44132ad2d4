"""Who may be profiled and who may be contacted, from the consent records in force."""

from __future__ import annotations

from datetime import datetime, timezone

import ibis

from kenal.config import Settings
from kenal.features.consent import profiling_allowed, reachable
from kenal.ingest import ingest
from kenal.store import Store
from tests.conftest import write_csv

AS_OF = ibis.literal(datetime(2026, 3, 1, tzinfo=timezone.utc))


def test_reachable_needs_marketing_consent_in_force_and_a_contact(tmp_path):
    d = tmp_path / "in"
    write_csv(d, "customers", ["customer_id", "created_at", "email", "phone"], [
        ["R1", "2025-01-01T00:00:00+07:00", "r1@example.com", ""],   # consent + email: reachable
        ["R2", "2025-01-01T00:00:00+07:00", "", "+628123456789"],    # consent + phone: reachable
        ["R3", "2025-01-01T00:00:00+07:00", "", ""],                 # consent, no way to contact
        ["R4", "2025-01-01T00:00:00+07:00", "r4@example.com", ""],   # withdrew before the snapshot
        ["R5", "2025-01-01T00:00:00+07:00", "r5@example.com", ""],   # withdrew after it
        ["R6", "2025-01-01T00:00:00+07:00", "r6@example.com", ""],   # profiling consent only
        ["R7", "2025-01-01T00:00:00+07:00", "r7@example.com", ""]])  # no record at all
    write_csv(d, "consents", ["customer_id", "purpose", "granted", "timestamp"], [
        ["R1", "marketing", "true", "2025-01-01T00:00:00+07:00"],
        ["R2", "Marketing", "yes", "2025-01-01T00:00:00+07:00"],
        ["R3", "marketing", "true", "2025-01-01T00:00:00+07:00"],
        ["R4", "marketing", "true", "2025-01-01T00:00:00+07:00"],
        ["R4", "marketing", "false", "2026-02-01T00:00:00+07:00"],
        ["R5", "marketing", "true", "2025-01-01T00:00:00+07:00"],
        ["R5", "marketing", "false", "2026-04-01T00:00:00+07:00"],
        ["R6", "profiling", "true", "2025-01-01T00:00:00+07:00"]])
    # even where a missing profiling record counts as consent, a missing marketing record does not
    with Store.open(tmp_path / "ws", Settings(consent_default="grant")) as store:
        ingest(store, d)
        assert sorted(reachable(store, AS_OF).execute().customer_id) == ["R1", "R2", "R5"]
        assert sorted(profiling_allowed(store, AS_OF).execute().customer_id) == ["R1", "R2", "R3", "R4", "R5",
                                                                                  "R6", "R7"]

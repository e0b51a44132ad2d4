"""Each health check on small tables built by hand: exact counts, examples and actions."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kenal.config import Settings
from kenal.features import build_features
from kenal.health import health_summary
from kenal.ingest import ingest
from kenal.store import Store
from tests.conftest import write_csv

NOW = datetime(2026, 7, 15, tzinfo=timezone.utc)
AS_OF = datetime(2026, 7, 1, tzinfo=timezone.utc)
E = ["message_id", "type", "timestamp", "customer_id", "anonymous_id", "event", "session_id", "user_agent"]
HUMAN = "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"
TX = ["transaction_id", "customer_id", "timestamp", "amount", "currency", "kind", "return_reason"]


def by_id(report) -> dict[str, list]:
    found: dict[str, list] = {}
    for c in report.checks:
        found.setdefault(c.id, []).append(c)
    return found


def one(report, check_id: str):
    found = by_id(report).get(check_id, [])
    assert len(found) == 1, f"{check_id}: {[c.message for c in found]}"
    return found[0]


def ts(seconds: float) -> str:
    """A Jakarta timestamp ``seconds`` after 2026-06-01 10:00."""
    base = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc).timestamp()
    return datetime.fromtimestamp(base + seconds, timezone.utc).isoformat()


def customers(d, rows=None):
    write_csv(d, "customers", ["customer_id", "created_at", "email", "phone", "birth_year", "region"], rows or [
        ["C1", "2025-01-01T00:00:00+07:00", "a@x.id", "0812-1111-2222", "1980", "Bali"],
        ["C2", "2025-01-01T00:00:00+07:00", "b@x.id", "+62 813 0000 0000", "1990", "Bali"]])


@pytest.fixture
def events_store(granting_store, tmp_path):
    d = tmp_path / "events"
    customers(d)
    rows = []
    # S1: a person, irregular gaps, with one event recorded 20 min before the one before it.
    for i, (t, cust) in enumerate([(0, ""), (40, ""), (95, "C1"), (400, "C1"), (400 - 1200, "C1"), (900, "C1")]):
        rows.append([f"h{i}", "page", ts(t), cust, "A1", "", "S1", HUMAN])
    # S2: a crawler by its user agent (3 hits).
    rows += [[f"g{i}", "page", ts(5000 + 7 * i), "", "A2", "", "S2", "Googlebot/2.1 (+http://www.google.com/bot.html)"]
             for i in range(3)]
    # S3: 60 hits in 30 seconds from a browser agent: inhumanly fast.  It carries a customer id.
    rows += [[f"f{i}", "page", ts(9000 + i * 0.5), "C2", "", "", "S3", HUMAN] for i in range(60)]
    # S4: 40 hits exactly 9 s apart: machine-regular.
    rows += [[f"r{i}", "page", ts(20000 + 9 * i), "", "A4", "", "S4", HUMAN] for i in range(40)]
    # S5: a session of C2 spanning 30 hours (2 events), and an event before C2 existed.
    rows += [["l0", "page", ts(40000), "C2", "", "", "S5", HUMAN], ["l1", "page", ts(40000 + 30 * 3600), "C2", "", "", "S5", HUMAN],
             ["old", "page", "2024-12-31T10:00:00+07:00", "C2", "", "", "S6", HUMAN]]
    write_csv(d, "events", E, rows)
    ingest(granting_store, d)
    return granting_store


def test_bot_sessions_by_agent_rate_and_regularity(events_store):
    report = health_summary(events_store, now=NOW, as_of=AS_OF)
    bots = one(report, "bot_sessions")
    assert bots.count == 3 and one(report, "bot_events").count == 3 + 60 + 40
    assert {(d["reason"], d["sessions"], d["events"]) for d in bots.details} == {
        ("bot_user_agent", 1, 3), ("inhumanly_fast", 1, 60), ("machine_regular", 1, 40)}
    assert [e["session"] for e in bots.examples] == ["S2", "S3", "S4"]  # in input order


def test_bot_events_are_excluded_from_features(events_store):
    f = build_features(events_store, AS_OF).execute().set_index("customer_id")
    # C2's 60-hit burst (S3) is a bot; left: S5 (30 h, counted as 3 periods of 12 h) and S6.
    assert f.loc["C2", "page_views"] == 3 and f.loc["C2", "sessions"] == 3 + 1
    assert f.loc["C1", "page_views"] == 6 and f.loc["C1", "sessions"] == 1  # S1, linked by A1


def test_out_of_order_before_customer_and_long_sessions(events_store):
    report = health_summary(events_store, now=NOW, as_of=AS_OF)
    ooo = one(report, "timestamp_out_of_order")
    assert ooo.count == 1 and ooo.examples[0]["message_id"] == "h4"
    before = one(report, "before_customer_created")
    assert before.count == 1 and before.examples[0]["message_id"] == "old"
    long = one(report, "long_sessions")
    assert long.count == 1 and long.examples[0]["session_id"] == "S5" and "12 hours" in long.message
    linked = one(report, "anonymous_events_linked")
    assert linked.count == 2 and linked.severity == "info"  # h0, h1 of A1; A2, A4 never identified


def test_an_event_before_the_customer_is_found_inside_a_session_that_goes_on_after(granting_store, tmp_path):
    """Only the session's first event predates C1; its last, and C2's whole session, come after."""
    d = tmp_path / "events"
    customers(d)
    write_csv(d, "events", E, [["e1", "page", "2024-12-31T23:30:00+07:00", "C1", "", "", "S1", HUMAN],
                               ["e2", "page", "2025-01-01T00:10:00+07:00", "C1", "", "", "S1", HUMAN],
                               ["e3", "page", "2025-01-01T00:20:00+07:00", "C2", "", "", "S2", HUMAN]])
    ingest(granting_store, d)
    before = one(health_summary(granting_store, now=NOW, as_of=AS_OF), "before_customer_created")
    assert (before.table, before.count, [e["message_id"] for e in before.examples]) == ("events", 1, ["e1"])


def test_transactions_near_duplicates_amounts_returns_and_currencies(granting_store, tmp_path):
    d = tmp_path / "tx"
    customers(d)
    write_csv(d, "fx_rates", ["date", "currency", "rate"], [["2026-01-01", "USD", "16000"]])
    rows = [
        ["T1", "C1", ts(0), "100000", "IDR", "purchase", ""],
        ["T2", "C1", ts(600), "100000", "IDR", "purchase", ""],  # 10 min later: a double submit
        ["T3", "C1", ts(1201), "100000", "IDR", "purchase", ""],  # 10 min 1 s after T2: not
        ["T4", "C2", ts(30), "100000", "IDR", "purchase", ""],  # another customer
        ["T5", "C1", ts(60), "100001", "IDR", "purchase", ""],  # another amount
        ["T6", "C2", ts(90), "0", "IDR", "purchase", ""],
        ["T7", "C2", ts(120), "50", "USD", "purchase", ""],
        ["T8", "C2", ts(150), "5000000000000", "IDR", "purchase", ""],  # 50,000 x the median
        ["T9", "C1", ts(5000), "100000", "IDR", "return", "Barang RUSAK!!"],
        ["T10", "C1", ts(6000), "100000", "IDR", "return", "salah kirim"],
        ["T11", "C2", ts(7000), "100000", "IDR", "return", ""],
    ]
    write_csv(d, "transactions", TX, rows)
    ingest(granting_store, d)
    report = health_summary(granting_store, now=NOW, as_of=AS_OF)
    near = one(report, "near_duplicate_transactions")
    assert near.count == 1 and near.examples[0]["transaction_id"] == "T2" and near.examples[0]["previous_id"] == "T1"
    non_positive = one(report, "non_positive_amounts")
    assert non_positive.count == 1 and non_positive.examples[0]["transaction_id"] == "T6"
    implausible = one(report, "implausible_amounts")
    assert implausible.count == 1 and implausible.examples[0]["transaction_id"] == "T8"
    returns = one(report, "returns")
    assert returns.count == 3 and returns.message.startswith("3 returns against 8 purchases (37.5% by count")
    assert {(r["category"], r["returns"]) for r in returns.details} == {
        ("damaged_defective", 1), ("wrong_item", 1), ("unspecified", 1)}
    fx = one(report, "currency_conversion")
    assert fx.count == 1 and {r["currency"]: r["amount_base"] for r in fx.details}["USD"] == 800_000


def test_interactions_spam_language_and_scales(granting_store, tmp_path):
    d = tmp_path / "texts"
    customers(d, [[f"C{i}", "2025-01-01", "", "", "", ""] for i in range(6)])
    promo = "PROMO!!! saldo gratis, klik http://bit.ly/gratis atau WA 0812-9999-0000"
    rows = [[f"P{i}", f"C{i}", ts(i), "social", promo, "", ""] for i in range(5)]
    rows += [["L1", "C0", ts(10), "chat", "http://bit.ly/abc", "", ""],
             ["J1", "C1", ts(11), "chat", "asdf", "", ""],
             ["G1", "C2", ts(12), "review", "Barangnya bagus banget, pengiriman cepat", "7", ""],
             ["G2", "C3", ts(13), "survey", "Great service, thank you", "", "11"],
             ["G3", "C4", ts(14), "survey", "ok", "", "8.5"]]
    write_csv(d, "interactions", ["interaction_id", "customer_id", "timestamp", "channel", "text", "rating", "nps"], rows)
    ingest(granting_store, d)
    report = health_summary(granting_store, now=NOW, as_of=AS_OF)
    spam = one(report, "spam_texts")
    assert spam.count == 8  # 5 promotions, a bare link, "asdf" and "ok"
    assert {(r["reason"], r["texts"]) for r in spam.details} == {
        ("repeated_promotion", 5), ("link_only", 1), ("too_short", 2)}
    rating = one(report, "rating_out_of_range")
    assert rating.count == 1 and rating.examples[0]["interaction_id"] == "G1"
    nps = one(report, "nps_out_of_range")
    assert nps.count == 2 and [e["interaction_id"] for e in nps.examples] == ["G2", "G3"]
    languages = {r["language"]: r["texts"] for r in one(report, "text_languages").details}
    assert languages == {"id": 6, "en": 1, "other": 3}  # 5 promotions and G1; G2; the link, asdf and ok
    # Features leave out spam and scores off their scale: G1's 7 stars and G3's 8.5 are unknown.
    f = build_features(granting_store, AS_OF).execute().set_index("customer_id")
    assert f.loc["C0", "interactions"] == 0 and f.loc["C2", "interactions"] == 1  # C0: a promotion and a link
    assert f.avg_rating.isna().all() and f.avg_nps.dropna().to_dict() == {}  # G2's 11 is off the scale too


def test_external_staleness_gaps_and_regions(granting_store, tmp_path):
    d = tmp_path / "external"
    customers(d, [["C1", "2025-01-01", "", "", "", "Bali"], ["C2", "2025-01-01", "", "", "", "Papua"],
                  ["C3", "2025-01-01", "", "", "", "Papua"]])
    rows = [[f"2026-06-{day:02d}", "Bali", "rain_mm", "1"] for day in range(1, 31) if day not in (10, 11, 12)]
    rows += [[f"2026-06-{day:02d}", "bali ", "temp_c", "30"] for day in range(1, 16)]  # stops 2 weeks early
    rows += [["2026-06-30", "Atlantis", "rain_mm", "2"]]
    rows += [[f"2026-{m:02d}-01", "Bali", "cpi", "101"] for m in range(1, 7)]  # monthly: neither gappy nor stale
    write_csv(d, "external", ["date", "region", "indicator", "value"], rows)
    ingest(granting_store, d)
    report = health_summary(granting_store, now=NOW, as_of=datetime(2026, 6, 30, 12, tzinfo=timezone.utc))
    stale = one(report, "external_stale")
    assert stale.count == 1 and stale.details[0]["indicator"] == "temp_c" and stale.details[0]["days_behind"] == 15
    assert stale.message == "1 region-indicator series is more than 7 days overdue at the as-of date 2026-06-30"
    gaps = one(report, "external_gaps")
    assert gaps.count == 3 and [(g["region"], g["indicator"]) for g in gaps.details] == [("Bali", "rain_mm")]
    unmatched = one(report, "external_regions_unmatched")
    assert [r["region"] for r in unmatched.details] == ["Atlantis"]
    uncovered = one(report, "customers_without_external")
    assert uncovered.count == 2 and uncovered.details == [{"region": "Papua", "customers": 2}]


def test_customers_duplicates_and_birth_years(granting_store, tmp_path):
    d = tmp_path / "customers"
    customers(d, [
        ["C1", "2025-01-01", "Ani@Mail.id", "0812-1111-2222", "1985", ""],
        ["C2", "2025-01-01", " ani@mail.id", "", "1890", ""],  # same e-mail
        ["C3", "2025-01-01", "c@mail.id", "+62 812 1111 2222", "2020", ""],  # same phone as C1
        ["C4", "2025-01-01", "d@mail.id", "0813", "1999", ""],  # too short to compare
        ["C5", "2025-01-01", "e@mail.id", "62813", "", ""],
    ])
    ingest(granting_store, d)
    report = health_summary(granting_store, now=NOW, as_of=AS_OF)
    dupes = one(report, "duplicate_customers")
    assert dupes.count == 2
    assert dupes.examples == [{"customer_id": "C2", "same_as": "C1", "shared": "email"},
                              {"customer_id": "C3", "same_as": "C1", "shared": "phone"}]
    years = one(report, "implausible_birth_year")
    assert years.count == 2 and [e["customer_id"] for e in years.examples] == ["C2", "C3"]


def test_few_customers_or_a_stopped_feed_recommend_rules(granting_store, tmp_path):
    d = tmp_path / "few"
    customers(d)
    # 20 purchases a month from January to May (days 1-20), then one on 25 June: the feed stopped.
    rows = [[f"T{m}{day}", "C1", f"2026-{m:02d}-{day:02d}T10:00:00+07:00", "1000", "IDR", "purchase", ""]
            for m in range(1, 6) for day in range(1, 21)]
    rows.append(["T-last", "C1", "2026-06-25T10:00:00+07:00", "1000", "IDR", "purchase", ""])
    write_csv(d, "transactions", TX, rows)
    ingest(granting_store, d)
    report = health_summary(granting_store, now=NOW)  # as of the latest purchase, 25 June
    assert one(report, "few_customers").count == 2
    assert one(report, "no_recent_data").message == (
        "little or no new data in the 30 days before 2026-06-25: 1 transactions against a typical month's 20; "
        "clusters would describe past behaviour")
    assert report.recommended_segmentation == "rules"
    # Every month from the first customer (January 2025) on, empty months included.
    assert [m["month"] for m in report.volume][:2] == ["2025-01", "2025-02"] and len(report.volume) == 18
    assert [m["transactions"] for m in report.volume] == [0] * 12 + [20, 20, 20, 20, 20, 1]
    # As of 20 May the feed was flowing: 20 in the 30 days before, a typical month's worth.
    report = health_summary(granting_store, now=NOW, as_of=datetime(2026, 5, 20, 12, tzinfo=timezone.utc))
    assert "no_recent_data" not in by_id(report) and one(report, "recent_data").count == 20
    assert one(report, "data_age").message == "the data end on 2026-05-20, 55 days before today"


@pytest.mark.parametrize("naive_clock_offset, severity, verdict", [
    (7, "warning", "; the values without one run -7.0 hours from the others' time of day"),
    (0, "info", "; their time of day matches the others'"),
])
def test_naive_timestamps_on_another_clock_are_found(granting_store, tmp_path, naive_clock_offset, severity,
                                                     verdict):
    # 120 sign-ups with an offset between 09:00 and 20:00 Jakarta time; 120 without one, written on a
    # clock ``naive_clock_offset`` hours behind Jakarta (7: a server in UTC).
    rows = [[f"Z{i}", f"2025-03-{1 + i % 28:02d}T{9 + i % 12:02d}:00:00+07:00"] for i in range(120)]
    rows += [[f"N{i}", f"2025-03-{1 + i % 28:02d} {9 + i % 12 - naive_clock_offset:02d}:00"] for i in range(120)]
    d = tmp_path / "zones"
    write_csv(d, "customers", ["customer_id", "created_at"], rows)
    ingest(granting_store, d)
    mixed = one(health_summary(granting_store, now=NOW, as_of=AS_OF), "mixed_time_zones")
    assert (mixed.column, mixed.count, mixed.severity) == ("created_at", 120, severity)
    assert mixed.message == "created_at mixes 120 values with a UTC offset and 120 without one" + verdict


def test_table_score_is_the_share_of_rows_without_findings(granting_store, tmp_path):
    d = tmp_path / "score"
    customers(d, [[f"C{i}", "2025-01-01", f"{i}@x.id" if i else "1@x.id", "", "1990", ""] for i in range(10)])
    ingest(granting_store, d)
    report = health_summary(granting_store, now=NOW, as_of=AS_OF)
    # 1 of 10 customers is a duplicate (10%); few_customers is about the population, not rows.
    assert {t.table: t.score for t in report.tables}["customers"] == 90


def test_a_clean_store_has_nothing_above_info_but_the_population_size(granting_store, tmp_path):
    d = tmp_path / "clean"
    customers(d)
    write_csv(d, "transactions", TX, [["T1", "C1", "2026-06-30T10:00:00+07:00", "1000", "IDR", "purchase", ""]])
    ingest(granting_store, d)
    report = health_summary(granting_store, now=NOW, as_of=AS_OF)
    assert [c.id for c in report.at_least("warning")] == ["few_customers"]


def test_settings_change_the_windows(tmp_path):
    store = Store.open(tmp_path / "ws", Settings(consent_default="grant", near_duplicate_minutes=30))
    d = tmp_path / "tx"
    customers(d)
    write_csv(d, "transactions", TX, [["T1", "C1", ts(0), "5", "IDR", "purchase", ""],
                                      ["T2", "C1", ts(1500), "5", "IDR", "purchase", ""]])
    ingest(store, d)
    near = one(health_summary(store, now=NOW, as_of=AS_OF), "near_duplicate_transactions")
    store.close()
    assert near.count == 1 and "within 30 minutes" in near.message


def test_extreme_but_plausible_amounts_are_a_note(granting_store, tmp_path):
    d = tmp_path / "extreme"
    customers(d)
    # 40 purchases between 100,000 and 139,000, and one of 5,000,000: far out on the log scale
    # (Tukey's fence: q3 + 3 IQR) but under 10,000 times the median, so a note, not a warning.
    rows = [[f"T{i}", "C1", ts(i * 3600), str(100_000 + 1000 * i), "IDR", "purchase", ""] for i in range(40)]
    rows.append(["BIG", "C2", ts(50 * 3600), "5000000", "IDR", "purchase", ""])
    write_csv(d, "transactions", TX, rows)
    ingest(granting_store, d)
    report = health_summary(granting_store, now=NOW, as_of=AS_OF)
    extreme = one(report, "extreme_amounts")
    assert (extreme.count, extreme.severity, extreme.examples[0]["transaction_id"]) == (1, "info", "BIG")
    assert "implausible_amounts" not in by_id(report)


def test_ancient_timestamps_reingest_and_rows_before_the_customer(granting_store, tmp_path):
    d = tmp_path / "ancient"
    customers(d)
    write_csv(d, "transactions", TX, [["T1", "C1", "1970-01-01T00:00:00Z", "1000", "IDR", "purchase", ""],
                                      ["T2", "C1", "2026-06-01T10:00:00+07:00", "1000", "IDR", "purchase", ""]])
    ingest(granting_store, d)
    ingest(granting_store, d)  # the same folder again: every row is already there
    report = health_summary(granting_store, now=NOW, as_of=AS_OF)
    ancient = one(report, "timestamp_ancient")
    assert (ancient.table, ancient.count, ancient.examples[0]["transaction_id"]) == ("transactions", 1, "T1")
    assert "do reach features" in ancient.action
    before = one(report, "before_customer_created")
    assert (before.table, before.count, before.examples[0]["transaction_id"]) == ("transactions", 1, "T1")
    again = {c.table: c for c in by_id(report)["already_loaded"]}
    assert again["transactions"].count == 2 and again["customers"].count == 2
    assert "duplicate_rows" not in by_id(report)  # a re-ingest is not a defect


def test_out_of_order_is_judged_within_each_file(granting_store, tmp_path):
    # S1 goes on in a second file, whose row numbers start again at 1: ordered by row number across
    # files, m2 would come before m0 and make m0 out of order.  Only m4 is, within the second file.
    first, second = tmp_path / "day1", tmp_path / "day2"
    customers(first)
    write_csv(first, "events", E, [["m9", "page", ts(0), "C1", "", "", "S2", HUMAN],
                                   ["m0", "page", ts(100), "C1", "", "", "S1", HUMAN],
                                   ["m1", "page", ts(200), "C1", "", "", "S1", HUMAN]])
    write_csv(second, "events", E, [["m2", "page", ts(150), "C1", "", "", "S1", HUMAN],
                                    ["m3", "page", ts(300), "C1", "", "", "S1", HUMAN],
                                    ["m4", "page", ts(250), "C1", "", "", "S1", HUMAN]])
    ingest(granting_store, first)
    ingest(granting_store, second)
    ooo = one(health_summary(granting_store, now=NOW, as_of=AS_OF), "timestamp_out_of_order")
    assert ooo.count == 1 and [e["message_id"] for e in ooo.examples] == ["m4"]


def test_a_file_sorted_by_something_else_is_not_a_clock_problem(granting_store, tmp_path):
    d = tmp_path / "sorted"
    customers(d)
    # Each session's events listed newest first (an export sorted by time descending).
    rows = [[f"m{s}{i}", "page", ts(s * 1000 + 60 * (5 - i)), "C1", "", "", f"S{s}", HUMAN]
            for s in range(4) for i in range(5)]
    write_csv(d, "events", E, rows)
    ingest(granting_store, d)
    report = health_summary(granting_store, now=NOW, as_of=AS_OF)
    unsorted = one(report, "events_not_in_time_order")
    assert (unsorted.count, unsorted.severity) == (16, "info")
    assert "timestamp_out_of_order" not in by_id(report)


def test_history_says_what_is_new_and_what_was_resolved(granting_store, tmp_path):
    from kenal.health import save_health

    d = tmp_path / "history"
    customers(d, [["C1", "2025-01-01", "a@x.id", "", "1990", ""], ["C2", "2025-01-01", "a@x.id", "", "1990", ""]])
    ingest(granting_store, d)
    first = save_health(granting_store, health_summary(granting_store, now=NOW, as_of=AS_OF), "S1")
    assert first.changes == []
    d2 = tmp_path / "history2"
    write_csv(d2, "transactions", TX, [["T1", "C1", "1970-01-01T00:00:00Z", "-5", "IDR", "purchase", ""]])
    ingest(granting_store, d2)
    second = save_health(granting_store, health_summary(granting_store, now=NOW, as_of=AS_OF), "S2")
    trends = {(c["id"], c["table"]): (c["before"], c["after"], c["trend"]) for c in second.changes}
    assert trends == {("timestamp_ancient", "transactions"): (None, 1, "new"),
                      ("non_positive_amounts", "transactions"): (None, 1, "new"),
                      ("before_customer_created", "transactions"): (None, 1, "new"),
                      ("no_recent_data", "transactions"): (None, 0, "new")}  # one purchase, in 1970
    # The duplicate e-mail is unchanged; fixing the -5 at the source resolves that finding.
    write_csv(d2, "transactions", TX, [["T1", "C1", "1970-01-01T00:00:00Z", "5", "IDR", "purchase", ""]])
    granting_store.drop("transactions")
    ingest(granting_store, d2)
    third = save_health(granting_store, health_summary(granting_store, now=NOW, as_of=AS_OF), "S3")
    assert [(c["id"], c["trend"]) for c in third.changes] == [("non_positive_amounts", "resolved")]
    stored = granting_store.table("health_runs").order_by("created_at").execute()
    assert stored.snapshot_id.tolist() == ["S1", "S2", "S3"]

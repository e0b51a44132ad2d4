"""Each kind of bad input ends in quarantine with its reason or in one clear error, never a silent drop."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from kenal.errors import SourceError
from kenal.ingest import QUARANTINE, ingest
from tests.conftest import write_broken_parquet, write_csv

TX_HEADER = ["transaction_id", "customer_id", "timestamp", "amount", "currency"]


def accounted(report) -> None:
    for c in report.tables.values():
        assert c.read == c.loaded + c.duplicates + c.quarantined, c


def quarantine(store) -> pd.DataFrame:
    q = store.table(QUARANTINE).execute()
    return q.sort_values(["table", "source_row"]).reset_index(drop=True)


def test_missing_required_column_names_file_column_and_what_was_expected(store, tmp_path):
    path = write_csv(tmp_path / "in", "transactions", ["transaction_id", "customer_id", "timestamp", "currency"],
                     [["T1", "C1", "2026-01-01", "IDR"]])
    with pytest.raises(SourceError) as exc:
        ingest(store, tmp_path / "in")
    assert str(exc.value) == (
        f"{path}: column 'amount' is missing - expected the required columns transaction_id, customer_id, "
        "timestamp, amount, currency; found transaction_id, customer_id, timestamp, currency")
    assert not store.has("transactions")


def test_the_type_check_reads_past_its_sample_before_stopping_a_source(store, tmp_path, monkeypatch):
    """The first rows settle the check only when they hold a valid value: a column bad in the sample but
    valid further down is loaded row by row; one bad everywhere stops the source, naming the first bad value."""
    monkeypatch.setattr(sys.modules["kenal.ingest.validate"], "TYPE_CHECK_SAMPLE", 2)
    ts = "2026-01-01T10:00:00+07:00"
    write_csv(tmp_path / "in", "transactions", TX_HEADER, [
        ["T1", "C1", ts, "Rp 10rb", "IDR"], ["T2", "C1", ts, "Rp 20rb", "IDR"], ["T3", "C1", ts, "30000", "IDR"]])
    report = ingest(store, tmp_path / "in")
    c = report.tables["transactions"]
    assert (c.read, c.loaded, c.quarantined, c.reasons) == (3, 1, 2, {"bad_number": 2})

    path = write_csv(tmp_path / "in2", "transactions", TX_HEADER, [
        ["T4", "C1", ts, "", "IDR"], ["T5", "C1", ts, "", "IDR"], ["T6", "C1", ts, "Rp 5rb", "IDR"]])
    with pytest.raises(SourceError) as exc:
        ingest(store, tmp_path / "in2")
    assert str(exc.value) == (f"{path}: column 'amount' has no valid float value in any row (example: 'Rp 5rb') "
                              "- expected a number (e.g. 125000 or 125000.50)")
    assert not (store.workspace / ".staging").exists()  # a failed ingest leaves no staged files behind


def test_non_numeric_amount_is_quarantined_with_its_row(store, tmp_path):
    write_csv(tmp_path / "in", "transactions", TX_HEADER, [
        ["T1", "C1", "2026-01-01T10:00:00+07:00", "150000", "IDR"],
        ["T2", "C1", "2026-01-02T10:00:00+07:00", "seratus ribu", "IDR"],
        ["T3", "C1", "2026-01-03T10:00:00+07:00", "nan", "IDR"],
    ])
    report = ingest(store, tmp_path / "in")
    accounted(report)
    c = report.tables["transactions"]
    assert (c.read, c.loaded, c.quarantined, c.reasons) == (3, 1, 2, {"bad_number": 2})
    q = quarantine(store)
    assert q[["source_row", "reason", "column", "value"]].values.tolist() == [
        [2, "bad_number", "amount", "seratus ribu"], [3, "bad_number", "amount", "nan"]]
    assert store.table("transactions").transaction_id.execute().tolist() == ["T1"]


def test_a_column_with_no_valid_value_stops_the_source(store, tmp_path):
    path = write_csv(tmp_path / "in", "transactions", TX_HEADER, [
        ["T1", "C1", "2026-01-01", "Rp 10rb", "IDR"], ["T2", "C1", "2026-01-01", "Rp 20rb", "IDR"]])
    with pytest.raises(SourceError) as exc:
        ingest(store, tmp_path / "in")
    assert str(exc.value) == (f"{path}: column 'amount' has no valid float value in any row (example: 'Rp 10rb') "
                              "- expected a number (e.g. 125000 or 125000.50)")


def test_unparseable_timestamp_is_quarantined(store, tmp_path):
    write_csv(tmp_path / "in", "transactions", TX_HEADER, [
        ["T1", "C1", "2026-01-01T10:00:00+07:00", "1", "IDR"],
        ["T2", "C1", "31/31/2026 25:00", "1", "IDR"],
        ["T3", "C1", "", "1", "IDR"],
    ])
    report = ingest(store, tmp_path / "in")
    accounted(report)
    assert report.tables["transactions"].reasons == {"bad_timestamp": 1, "missing_value": 1}
    q = quarantine(store)
    assert q[["source_row", "reason", "column", "value"]].values.tolist() == [
        [2, "bad_timestamp", "timestamp", "31/31/2026 25:00"], [3, "missing_value", "timestamp", None]]


@pytest.mark.parametrize("word", ["-infinity", "infinity", "epoch", "now", "today"])
def test_words_engines_read_as_times_are_bad_timestamps(store, tmp_path, word):
    # DuckDB reads "-infinity" and "epoch" as timestamps, PostgreSQL also "now" and "today".
    write_csv(tmp_path / "in", "transactions", TX_HEADER, [
        ["T1", "C1", "2026-01-01T10:00:00+07:00", "1", "IDR"], ["T2", "C1", word, "1", "IDR"]])
    report = ingest(store, tmp_path / "in")
    assert report.tables["transactions"].reasons == {"bad_timestamp": 1}
    assert quarantine(store)[["source_row", "value"]].values.tolist() == [[2, word]]


def test_timestamps_with_and_without_zone_are_the_same_instant(store, tmp_path):
    write_csv(tmp_path / "in", "transactions", TX_HEADER, [
        ["T1", "C1", "2026-01-01T10:00:00+07:00", "1", "IDR"],
        ["T2", "C1", "2026-01-01 10:00:00", "1", "IDR"],  # naive: the workspace zone, Asia/Jakarta
        ["T3", "C1", "2026-01-01T03:00:00Z", "1", "IDR"],
    ])
    ingest(store, tmp_path / "in")
    ts = store.table("transactions").order_by("transaction_id").timestamp.execute()
    assert {str(t) for t in ts} == {"2026-01-01 03:00:00+00:00"}


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_empty_file_stops_with_one_clear_error(store, tmp_path, content):
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "customers.csv"
    path.write_bytes(content)
    with pytest.raises(SourceError) as exc:
        ingest(store, tmp_path / "in")
    assert str(exc.value) == f"{path}: is empty - expected a header line naming the columns, then rows"


def test_header_only_file_loads_nothing_and_says_so(store, tmp_path):
    write_csv(tmp_path / "in", "customers", ["customer_id", "created_at"], [])
    report = ingest(store, tmp_path / "in")
    c = report.tables["customers"]
    assert (c.read, c.loaded, c.duplicates, c.quarantined) == (0, 0, 0, 0)


def test_file_that_is_not_utf8_names_the_encoding_problem(store, tmp_path):
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "customers.csv"
    path.write_bytes("customer_id,created_at,city\nC1,2026-01-01,Bekasi Utara \xe9\n".encode("latin-1"))
    with pytest.raises(SourceError) as exc:
        ingest(store, tmp_path / "in")
    assert str(exc.value).startswith(f"{path}: is not UTF-8 text (line 2, byte 55:")
    assert str(exc.value).endswith("expected a UTF-8 encoded CSV file (in Excel: Save As > CSV UTF-8)")


def test_excel_csv_with_semicolons_decimal_comma_and_bom(store, tmp_path):
    (tmp_path / "in").mkdir()
    text = ("\ufeffTransaction ID;Customer ID;Timestamp;Amount;Currency;Kind\r\n"
            "T1;C1;2026-01-05 10:00;1.250.000,50;IDR;Purchase\r\n"
            "T2;C1;2026-01-06 10:00;12,5;IDR;\r\n"
            "T3;C2;2026-01-07 10:00;1.250.000;idr;return\r\n"
            "T4;C2;2026-01-07 10:00;75;IDR;purchase\r\n")
    (tmp_path / "in" / "transactions.csv").write_bytes(text.encode("utf-8"))
    report = ingest(store, tmp_path / "in")
    accounted(report)
    t = store.table("transactions").order_by("transaction_id").execute()
    assert t.amount.tolist() == [1250000.5, 12.5, 1250000.0, 75.0]
    assert t.kind.tolist() == ["purchase", "purchase", "return", "purchase"]
    assert t.currency.tolist() == ["IDR"] * 4
    assert str(t.timestamp[0]) == "2026-01-05 03:00:00+00:00"


def test_duplicated_rows_are_counted_once_and_reingest_changes_nothing(store, tmp_path):
    rows = [["T1", "C1", "2026-01-01", "10", "IDR"], ["T2", "C1", "2026-01-02", "20", "IDR"],
            ["T1", "C1", "2026-01-01", "10", "IDR"], ["T1", "C1", "2026-01-01", "10", "IDR"],
            ["T2", "C1", "2026-01-02", "99", "IDR"]]  # same key, other content: a conflict, not a duplicate
    write_csv(tmp_path / "in", "transactions", TX_HEADER, rows)
    first = ingest(store, tmp_path / "in")
    accounted(first)
    c = first.tables["transactions"]
    assert (c.read, c.loaded, c.duplicates, c.quarantined, c.reasons) == (5, 2, 2, 1, {"key_conflict": 1})
    before = store.table("transactions").order_by("transaction_id").execute()
    n_quarantine = store.count(QUARANTINE)

    second = ingest(store, tmp_path / "in")
    accounted(second)
    c = second.tables["transactions"]
    assert (c.read, c.loaded, c.duplicates, c.quarantined) == (5, 0, 4, 1)
    after = store.table("transactions").order_by("transaction_id").execute()
    pd.testing.assert_frame_equal(before, after)
    assert store.count(QUARANTINE) == n_quarantine


def test_unknown_currency_without_fx_rate_is_quarantined(store, tmp_path):
    write_csv(tmp_path / "in", "fx_rates", ["date", "currency", "rate"],
              [["2026-01-01", "USD", "16000"], ["2026-01-10", "USD", "16200"]])
    write_csv(tmp_path / "in", "transactions", TX_HEADER, [
        ["T1", "C1", "2026-01-05T10:00:00+07:00", "10", "usd"],
        ["T2", "C1", "2026-01-11T10:00:00+07:00", "10", "USD"],
        ["T3", "C1", "2026-01-05T10:00:00+07:00", "10", "XYZ"],
        ["T4", "C1", "2025-12-31T10:00:00+07:00", "10", "USD"],  # before the first USD rate
        ["T5", "C1", "2026-01-05T10:00:00+07:00", "10", "IDR"],
    ])
    report = ingest(store, tmp_path / "in")
    accounted(report)
    assert report.tables["transactions"].reasons == {"unknown_currency": 1, "missing_fx_rate": 1}
    t = store.table("transactions").order_by("transaction_id").execute()
    assert t.transaction_id.tolist() == ["T1", "T2", "T5"]
    assert t.amount_base.tolist() == [160000.0, 162000.0, 10.0]
    q = quarantine(store)
    assert q[["source_row", "reason", "value"]].values.tolist() == [[3, "unknown_currency", "XYZ"],
                                                                  [4, "missing_fx_rate", "USD"]]


def test_bad_category_and_boolean_values(store, tmp_path):
    write_csv(tmp_path / "in", "consents", ["customer_id", "purpose", "granted", "timestamp"], [
        ["C1", "profiling", "ya", "2026-01-01"], ["C2", "profiling", "tidak", "2026-01-01"],
        ["C3", "profiling", "maybe", "2026-01-01"]])
    write_csv(tmp_path / "in", "transactions", TX_HEADER + ["kind", "channel"], [
        ["T1", "C1", "2026-01-01", "1", "IDR", "purchase", "online"],
        ["T2", "C1", "2026-01-01", "1", "IDR", "gift", "online"],
        ["T3", "C1", "2026-01-01", "1", "IDR", "return", "mall"]])
    report = ingest(store, tmp_path / "in")
    accounted(report)
    assert store.table("consents").order_by("customer_id").granted.execute().tolist() == [True, False]
    assert report.tables["consents"].reasons == {"bad_boolean": 1}
    assert report.tables["transactions"].reasons == {"bad_category": 2}


def test_unknown_extra_columns_are_kept(store, tmp_path):
    write_csv(tmp_path / "in", "customers", ["customer_id", "created_at", "Loyalty Tier"],
              [["C1", "2026-01-01", "gold"]])
    ingest(store, tmp_path / "in")
    assert store.table("customers").extra.execute().tolist() == ['{"loyalty_tier":"gold"}']


def test_file_naming_no_table_is_an_error(store, tmp_path):
    path = write_csv(tmp_path / "in", "transaction", TX_HEADER, [])
    with pytest.raises(SourceError) as exc:
        ingest(store, tmp_path / "in")
    assert str(exc.value).startswith(f"{path}: names no kenal table ('transaction') - expected a file named after one of: fx_rates, customers,")


def test_parquet_input_with_native_types(store, tmp_path):
    (tmp_path / "in").mkdir()
    pd.DataFrame({
        "transaction_id": ["T1", "T2"], "customer_id": ["C1", "C1"],
        "timestamp": pd.to_datetime(["2026-01-01 10:00", "2026-01-02 10:00"]),  # naive: Jakarta
        "amount": [100.0, 250.5], "currency": ["IDR", "IDR"],
    }).to_parquet(tmp_path / "in" / "transactions.parquet")
    report = ingest(store, tmp_path / "in")
    accounted(report)
    t = store.table("transactions").order_by("transaction_id").execute()
    assert t.amount.tolist() == [100.0, 250.5]
    assert [str(x) for x in t.timestamp] == ["2026-01-01 03:00:00+00:00", "2026-01-02 03:00:00+00:00"]


def test_a_folder_of_parts_is_one_table_read_in_part_order(store, tmp_path):
    parts = tmp_path / "in" / "transactions"
    parts.mkdir(parents=True)
    for i, ids in enumerate((["T1", "T2"], ["T3"], ["T4", "bad"])):
        pd.DataFrame({"transaction_id": ids, "customer_id": "C1", "timestamp": "2026-01-01T10:00:00+07:00",
                      "amount": ["1" if t != "bad" else "x" for t in ids], "currency": "IDR"}
                     ).to_parquet(parts / f"part-{i:05d}.parquet")
    report = ingest(store, tmp_path / "in")
    accounted(report)
    assert (report.tables["transactions"].read, report.tables["transactions"].loaded) == (5, 4)
    assert quarantine(store)[["source_row", "reason", "value"]].values.tolist() == [[5, "bad_number", "x"]]


def test_a_table_given_as_a_file_and_as_a_folder_is_an_error(store, tmp_path):
    write_csv(tmp_path / "in", "transactions", TX_HEADER, [["T1", "C1", "2026-01-01", "1", "IDR"]])
    write_csv(tmp_path / "in" / "transactions", "part-0", TX_HEADER, [["T2", "C1", "2026-01-01", "1", "IDR"]])
    with pytest.raises(SourceError) as exc:
        ingest(store, tmp_path / "in")
    assert str(exc.value) == (f"{tmp_path / 'in' / 'transactions.csv'}: is a second source for table 'transactions' "
                              "(the first is transactions) - expected one file or folder per table")


def test_short_rows_and_quoted_line_breaks_are_read(store, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "transactions.csv").write_text(
        'transaction_id,customer_id,timestamp,amount,currency,return_reason\r\n'
        'T1,C1,2026-01-01,10,IDR,"rusak\r\nparah"\r\n'
        'T2,C1,2026-01-01\r\n', encoding="utf-8")
    report = ingest(store, tmp_path / "in")
    accounted(report)
    assert store.table("transactions").return_reason.execute().tolist() == ["rusak\r\nparah"]
    assert quarantine(store)[["source_row", "reason", "column"]].values.tolist() == [[2, "missing_value", "amount"]]


def test_hash_signs_in_text_are_data_not_comments(store, tmp_path):
    # On a ragged file DuckDB's sniffer takes "#" for a comment mark: the row starting with a hashtag
    # vanished and "bagus #mantap" was cut to "bagus ".
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "interactions.csv").write_text(
        "interaction_id,customer_id,timestamp,channel,text\n"
        "I1,C1,2026-01-01,review,bagus #mantap, sekali\n"
        "#I2,C1,2026-01-02\n"
        "I3,C2,2026-01-03,review,ok\n", encoding="utf-8")
    report = ingest(store, tmp_path / "in")
    accounted(report)
    assert report.tables["interactions"].read == 3
    got = store.table("interactions").order_by("timestamp").execute()
    assert got[["interaction_id", "text"]].values.tolist() == [["I1", "bagus #mantap"], ["I3", "ok"]]
    assert quarantine(store)[["source_row", "reason", "column"]].values.tolist() == [[2, "missing_value", "channel"]]


def test_corrupt_parquet_file_names_the_file(store, tmp_path):
    path = write_broken_parquet(tmp_path / "in", "footer")
    with pytest.raises(SourceError) as exc:
        ingest(store, tmp_path / "in")
    assert str(exc.value).startswith(f"{path}: cannot be read: ")
    assert str(exc.value).endswith("- expected a valid PARQUET file")


def test_parquet_broken_inside_its_data_names_the_file(store, tmp_path):
    """A Parquet file whose footer reads but whose data pages do not fails when it is first scanned,
    after the footer check: it must still name the file, not surface as an engine stack trace."""
    path = write_broken_parquet(tmp_path / "in", "data_page")
    with pytest.raises(SourceError) as exc:
        ingest(store, tmp_path / "in")
    assert str(exc.value).startswith(f"{path}: cannot be read: ")
    assert str(exc.value).endswith("- expected a valid PARQUET file")
    assert not store.has("events")

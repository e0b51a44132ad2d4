"""What a user sees when something is wrong: one line, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import write_csv


def kenal(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kenal", *args], capture_output=True, text=True, cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"error: {expected}"]


def test_missing_required_column(tmp_path):
    path = write_csv(tmp_path / "in", "customers", ["customer_id", "city"], [["C1", "Medan"]])
    result = kenal("ingest", "--input", str(tmp_path / "in"), "--workspace", str(tmp_path / "ws"))
    assert_one_line_error(result, f"{path}: column 'created_at' is missing - expected the required columns "
                                  "customer_id, created_at; found customer_id, city")


def test_input_folder_that_does_not_exist(tmp_path):
    result = kenal("ingest", "--input", str(tmp_path / "nope"), "--workspace", str(tmp_path / "ws"))
    assert_one_line_error(result, f"{tmp_path / 'nope'}: is not a folder - expected a folder of CSV or Parquet files")


def test_run_on_an_empty_workspace(tmp_path):
    result = kenal("run", "--workspace", str(tmp_path / "ws"))
    assert_one_line_error(result, f"the workspace {tmp_path / 'ws'} has no customers; run 'kenal ingest "
                                  "--input DIR' or 'kenal run --input DIR' first")


def test_bad_as_of_date(tmp_path):
    result = kenal("run", "--workspace", str(tmp_path / "ws"), "--as-of", "31/03/2026")
    assert_one_line_error(result, "--as-of '31/03/2026' is not a date; expected YYYY-MM-DD or an ISO-8601 timestamp")


def test_invalid_setting_in_workspace_config(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "kenal.toml").write_text('timezone = "Asia/Jakrta"\n')
    result = kenal("run", "--workspace", str(tmp_path / "ws"))
    assert_one_line_error(result, "timezone 'Asia/Jakrta' is not a known IANA time zone (expected e.g. 'Asia/Jakarta')")


def test_export_before_any_run(tmp_path):
    result = kenal("export", "segments", "--workspace", str(tmp_path / "ws"), "--output", str(tmp_path / "s.csv"))
    assert_one_line_error(result, "the workspace has no segments yet; run 'kenal run' first")


def test_nobody_with_consent(tmp_path):
    write_csv(tmp_path / "in", "customers", ["customer_id", "created_at"], [[f"C{i}", "2026-01-01"] for i in range(50)])
    write_csv(tmp_path / "in", "transactions", ["transaction_id", "customer_id", "timestamp", "amount", "currency"],
              [[f"T{i}", f"C{i}", "2026-02-01", "1000", "IDR"] for i in range(50)])
    result = kenal("run", "--input", str(tmp_path / "in"), "--workspace", str(tmp_path / "ws"))
    assert_one_line_error(result, "no customer may be profiled: none has a granted 'profiling' consent at 2026-02-01. "
                                  "Ingest consents.csv, or set consent_default = \"grant\" in kenal.toml if consent "
                                  "is collected elsewhere")

"""`kenal health`: the findings on screen, health.json and health.html, and an exit code pipelines use."""

from __future__ import annotations

import json
import re

from tests.cli.test_errors import assert_one_line_error, kenal
from tests.conftest import write_csv


def screen_text(stdout: str) -> str:
    """What the table says, with its borders removed and wrapped lines joined."""
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in stdout.splitlines() if line.startswith("│")]
    return " ".join(" ".join(c for c in row if c) for row in cells) + " " + re.sub(r"\s+", " ", stdout)


def workspace_with_one_warning(tmp_path):
    d = tmp_path / "in"
    # Two ids for one person (same e-mail): a warning.  Two customers: a warning about the population.
    write_csv(d, "customers", ["customer_id", "created_at", "email"],
              [["C1", "2026-01-01T00:00:00+07:00", "a@x.id"], ["C2", "2026-01-02T00:00:00+07:00", "A@x.id"]])
    ws = tmp_path / "ws"
    assert kenal("ingest", "--input", str(d), "--workspace", str(ws)).returncode == 0
    return ws


def test_health_exit_code_follows_fail_on(tmp_path):
    ws = workspace_with_one_warning(tmp_path)
    default = kenal("health", "--workspace", str(ws))
    assert default.returncode == 0, default.stderr  # warnings only: fails only on errors by default
    report = json.loads((ws / "health.json").read_text())
    duplicate = next(c for c in report["checks"] if c["id"] == "duplicate_customers")
    assert duplicate["message"] == "1 customer id repeats the e-mail address or phone number of an earlier id"
    assert "│ warning  │ customers │ 1 customer id repeats the e-mail address or" in default.stdout
    strict = kenal("health", "--workspace", str(ws), "--fail-on", "warning")
    assert strict.returncode == 3
    assert strict.stderr.strip() == "2 findings at warning or worse"
    report = json.loads((ws / "health.json").read_text())
    assert [c["id"] for c in report["checks"] if c["severity"] == "warning"] == ["duplicate_customers", "few_customers"]
    html = (ws / "health.html").read_text()
    assert "1 customer id repeats the e-mail address" in html


def test_health_reports_what_changed_since_the_last_check(tmp_path):
    ws = workspace_with_one_warning(tmp_path)
    kenal("health", "--workspace", str(ws))
    d = tmp_path / "more"
    write_csv(d, "customers", ["customer_id", "created_at", "email"], [["C3", "2026-01-03T00:00:00+07:00", "a@x.id"]])
    kenal("ingest", "--input", str(d), "--workspace", str(ws))
    again = kenal("health", "--workspace", str(ws))
    assert "duplicate_customers (customers) worse: 1 -> 2" in re.sub(r"\s+", " ", again.stdout)
    assert "few_customers" not in again.stdout.split("Since the last health check:")[1]  # a size, not bad rows
    changes = json.loads((ws / "health.json").read_text())["changes"]
    assert {"id": "duplicate_customers", "table": "customers", "column": "customer_id", "reason": None, "before": 1,
            "after": 2, "trend": "worse"} in changes


def test_health_fail_on_must_be_a_severity(tmp_path):
    result = kenal("health", "--workspace", str(tmp_path / "ws"), "--fail-on", "sometimes")
    assert_one_line_error(result, "--fail-on 'sometimes' is not a severity; expected warning or error")


def test_health_on_an_empty_workspace_is_an_error_finding(tmp_path):
    result = kenal("health", "--workspace", str(tmp_path / "ws"))
    assert result.returncode == 3
    assert "no customers table has been ingested" in screen_text(result.stdout)

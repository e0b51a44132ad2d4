"""The README's main flow, driven through the command line as a user would."""

from __future__ import annotations

import re

import pandas as pd

from tests.cli.test_errors import kenal


def test_demo_then_export(tmp_path):
    ws = tmp_path / "ws"
    demo = kenal("demo", "--customers", "3000", "--seed", "4", "--workspace", str(ws))
    assert demo.returncode == 0, demo.stderr
    assert "Report:" in demo.stdout
    # 3,000 customers are too few to cluster: the rule-based segmentations run and the output says why
    assert "behavioural (clustering): Not run: 3,000 customers is fewer than 10,000" in demo.stdout
    assert "rfm (rfm, " in demo.stdout and "lifecycle (lifecycle, " in demo.stdout
    for name in ("report.html", "health.json", "kenal.toml", "kenal.duckdb"):
        assert (ws / name).exists(), name
    assert (ws / "input" / "transactions.parquet").exists() and (ws / "truth" / "segments.csv").exists()

    out = tmp_path / "segments.parquet"
    export = kenal("export", "segments", "--workspace", str(ws), "--output", str(out))
    assert export.returncode == 0, export.stderr
    segments = pd.read_parquet(out)
    assert segments.columns.tolist() == ["customer_id", "segmentation", "segment_id", "segment_name", "snapshot_id"]
    assert set(segments.segmentation) == {"rfm"}  # the first configured segmentation that ran
    assert export.stdout.strip() == f"Wrote {len(segments):,} customers to {out}"
    consents = pd.read_parquet(ws / "input" / "consents.parquet")
    refused = set(consents.loc[(consents.purpose == "profiling") & ~consents.granted, "customer_id"])
    assert len(refused) > 0 and not refused & set(segments.customer_id)
    assert segments.snapshot_id.nunique() == 1

    bad = kenal("export", "segments", "--workspace", str(ws), "--output", str(tmp_path / "s.xlsx"))
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: export format 'xlsx' is not supported; expected one of csv, parquet"


def test_segments_list_show_and_export_by_name(tmp_path):
    ws = tmp_path / "ws"
    assert kenal("demo", "--customers", "1000", "--seed", "2", "--workspace", str(ws)).returncode == 0
    listed = kenal("segments", "list", "--workspace", str(ws))
    assert listed.returncode == 0, listed.stderr
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in listed.stdout.splitlines() if "│" in line]
    rows = {c[0]: c for c in cells if c[0]}
    assert list(rows) == ["behavioural", "rfm", "lifecycle", "value", "geographic", "technographic"]
    assert rows["behavioural"][2] == "not run" and rows["rfm"][2] == "11"
    wrapped = " ".join(" ".join(c[3] for c in cells).split())  # the last column, lines joined
    assert "To cluster anyway, set auto = false under [segmentations.behavioural] in kenal.toml." in wrapped
    assert "Rest 50% 50%, Next 40% 40%, Next 9% 9%" in wrapped  # value: the largest three tiers, largest first

    shown = kenal("segments", "show", "lifecycle", "--workspace", str(ws))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("lifecycle (lifecycle) in snapshot ")
    assert "Lifecycle stages from each customer's own purchase rhythm" in shown.stdout
    assert "what sets them apart" in shown.stdout
    text = " ".join(shown.stdout.split())  # rich wraps long lines
    assert re.search(r"These \d+ rules \(a decision tree of depth \d\) reproduce \d+% of the assignment", text)
    assert "Customers for " in text and re.search(r"Rule: .+ \(\d+% of the segment; \d+% of matches are in it\)", text)

    out = tmp_path / "lifecycle.csv"
    export = kenal("export", "segments", "--workspace", str(ws), "--segmentation", "lifecycle", "--output", str(out))
    assert export.returncode == 0, export.stderr
    exported = pd.read_csv(out)
    assert set(exported.segmentation) == {"lifecycle"}
    assert set(exported.segment_name) <= {"New", "Active", "Reactivated", "At risk", "Lapsed", "Churned",
                                          "Never purchased"}

    missing = kenal("segments", "show", "loyalty", "--workspace", str(ws))
    assert missing.returncode == 2
    sid = shown.stdout.split("in snapshot ")[1].split(":")[0]
    assert missing.stderr.strip() == (f"error: snapshot '{sid}' has no segmentation 'loyalty'; it has: behavioural, "
                                      "rfm, lifecycle, value, geographic, technographic")
    bad = kenal("export", "segments", "--workspace", str(ws), "--segmentation", "behavioural", "--output", str(out))
    assert bad.returncode == 2
    assert bad.stderr.strip() == (f"error: snapshot '{sid}' has no 'behavioural' segments to export; its "
                                  "segmentations: geographic, lifecycle, rfm, technographic, value")

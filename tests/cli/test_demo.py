"""The README's main flow, driven through the command line as a user would."""

from __future__ import annotations

import pandas as pd

from tests.cli.test_errors import kenal


def test_demo_then_export(tmp_path):
    ws = tmp_path / "ws"
    demo = kenal("demo", "--customers", "3000", "--seed", "4", "--workspace", str(ws))
    assert demo.returncode == 0, demo.stderr
    assert "Segments of snapshot" in demo.stdout and "Report:" in demo.stdout
    for name in ("report.html", "health.json", "kenal.toml", "kenal.duckdb"):
        assert (ws / name).exists(), name
    assert (ws / "input" / "transactions.parquet").exists() and (ws / "truth" / "segments.csv").exists()

    out = tmp_path / "segments.parquet"
    export = kenal("export", "segments", "--workspace", str(ws), "--output", str(out))
    assert export.returncode == 0, export.stderr
    segments = pd.read_parquet(out)
    assert segments.columns.tolist() == ["customer_id", "segment_id", "segment_name", "snapshot_id"]
    assert export.stdout.strip() == f"Wrote {len(segments):,} customers to {out}"
    consents = pd.read_parquet(ws / "input" / "consents.parquet")
    refused = set(consents.loc[(consents.purpose == "profiling") & ~consents.granted, "customer_id"])
    assert len(refused) > 0 and not refused & set(segments.customer_id)
    assert segments.snapshot_id.nunique() == 1

    bad = kenal("export", "segments", "--workspace", str(ws), "--output", str(tmp_path / "s.xlsx"))
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: export format 'xlsx' is not supported; expected one of csv, parquet"

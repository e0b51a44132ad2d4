"""Scores as part of ``kenal run``: on when kenal.toml's [scores] says so (or --scores), one line when off
or when the history is too short, and the report's Scores section from what the run stored."""

from __future__ import annotations

import json
import re

import duckdb
import pandas as pd

from kenal.sample import generate_sample, write_sample
from tests.cli.test_errors import assert_one_line_error, kenal


def _stored(ws, query: str) -> pd.DataFrame:
    with duckdb.connect(str(ws / "kenal.duckdb"), read_only=True) as con:
        return con.execute(query).df()


def test_run_with_scores_enabled_scores_the_snapshot_and_reports_them(tmp_path):
    """About a minute: a 3,000-customer sample, churn trained twice (for the scores and out of time)."""
    write_sample(generate_sample(n_customers=3000, seed=7), tmp_path / "in", tmp_path / "truth")
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "kenal.toml").write_text("[scores]\nenabled = true\n", encoding="utf-8")
    result = kenal("run", "--input", str(tmp_path / "in"), "--workspace", str(ws))
    assert result.returncode == 0, result.stderr
    sid = re.search(r"Snapshot (\S+): ([\d,]+) customers\n", result.stdout).group(1)

    scores = _stored(ws, "select * from scores")
    assert set(scores.snapshot_id) == {sid}  # the run's own snapshot
    assert f"\nScores: {len(scores):,} customers scored\n" in result.stdout
    assert re.search(r"\nchurn: [\d,]+ flagged at threshold 0\.\d{3} \(mean [\d.]+%\); out of time \(\d{4}-\d\d-\d\d\): "
                     r"ROC-AUC 0\.\d{3}", result.stdout)
    assert "Scores are off" not in result.stdout and "Scores not computed" not in result.stdout

    report = json.loads(_stored(ws, f"select report from score_runs where snapshot_id = '{sid}' and score = 'churn'")
                        .report.iloc[0])
    v = report["validation"]
    assert v["roc_auc"] >= 0.8 and v["ece"] <= 0.08, v  # the planted churners are found, out of time
    html = (ws / "report.html").read_text(encoding="utf-8")
    assert html.count("<h2>3. Scores</h2>") == 1
    assert re.search(rf"<tr><td>ROC-AUC</td>\s*<td class=\"num[^\"]*\">{v['roc_auc']:.3f}</td>\s*"
                     rf"<td class=\"num[^\"]*\">{v['baseline']['roc_auc']:.3f}</td>", html)
    shown = re.findall(r'class="feature">([^<]+)</text>', html)
    assert shown == [i["feature"] for i in report["importance"][:12]]
    assert f"over {scores.p_alive.count():,} customers" in html

    out = tmp_path / "scores.csv"
    export = kenal("export", "scores", "--workspace", str(ws), "--output", str(out))
    assert export.returncode == 0, export.stderr
    assert set(pd.read_csv(out).snapshot_id) == {sid}


def test_scores_off_by_default_and_a_too_short_history_is_one_line(tmp_path):
    write_sample(generate_sample(n_customers=300, seed=8), tmp_path / "in", tmp_path / "truth")
    ws = tmp_path / "ws"
    # the sample's purchases start on 2024-06-30: 46 days before this as-of date
    off = kenal("run", "--input", str(tmp_path / "in"), "--workspace", str(ws), "--as-of", "2024-08-15")
    assert off.returncode == 0, off.stderr
    lines = [line for line in off.stdout.splitlines() if line.startswith("Scores")]
    assert lines == [f"Scores are off: set enabled = true under [scores] in {ws / 'kenal.toml'} or run 'kenal run "
                     "--scores' to score every run; 'kenal score' scores the latest snapshot alone"]
    assert "[scores]\nenabled = false\n" in (ws / "kenal.toml").read_text(encoding="utf-8")  # written, to edit

    short = kenal("run", "--workspace", str(ws), "--as-of", "2024-08-15", "--scores")
    assert short.returncode == 0 and not short.stderr.strip(), short.stderr
    assert [line for line in short.stdout.splitlines() if line.startswith("Scores")] == [
        "Scores not computed: score 'churn' as of 2024-08-15 needs at least 118 days of purchases before it; the data "
        "starts 2024-06-30"]
    assert "Report: " in short.stdout and "3. Scores" not in (ws / "report.html").read_text(encoding="utf-8")
    assert "[scores]\nenabled = false\n" in (ws / "kenal.toml").read_text(encoding="utf-8")  # --scores: this run only
    assert _stored(ws, "select count(*) as n from information_schema.tables where table_name = 'score_runs'").n[0] == 0

    # kenal score: the file's horizon, unless --horizon says otherwise
    toml = (ws / "kenal.toml").read_text(encoding="utf-8").replace("horizon_days = 90", "horizon_days = 60")
    (ws / "kenal.toml").write_text(toml, encoding="utf-8")
    from_file = kenal("score", "--workspace", str(ws), "--as-of", "2024-08-15")
    assert_one_line_error(from_file, "score 'churn' as of 2024-08-15 needs at least 88 days of purchases before it; "
                                     "the data starts 2024-06-30")
    overridden = kenal("score", "--workspace", str(ws), "--as-of", "2024-08-15", "--horizon", "30")
    assert_one_line_error(overridden, "score 'churn' as of 2024-08-15 needs at least 58 days of purchases before it; "
                                      "the data starts 2024-06-30")


def test_a_bad_scores_setting_stops_the_run_in_one_line(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "kenal.toml").write_text('[scores]\nenabled = true\ntarget_recall = 80\n', encoding="utf-8")
    result = kenal("run", "--workspace", str(ws))
    assert_one_line_error(result, f"{ws / 'kenal.toml'}: [scores]: target_recall = 80 is not a share above 0 and at most 1")

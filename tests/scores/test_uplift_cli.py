"""kenal uplift: the table, the --output file, segments from the workspace, and bad input as one line
with exit code 2.  Each ``kenal`` subprocess costs a few seconds of imports, so the CLI runs once per
kind of outcome; the library's messages are checked one by one in test_uplift.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kenal.scores.uplift import read_experiment, uplift_by_segment
from tests.cli.test_errors import assert_one_line_error, kenal
from tests.conftest import write_csv
from tests.scores.test_uplift import TRUTH, planted, segmented_workspace  # noqa: F401 - a fixture


def test_uplift_prints_the_table_and_writes_one_row_per_segment_and_all(tmp_path):
    frame = planted(np.random.default_rng(1), 600, TRUTH)
    frame.loc[0, "converted"] = None
    path = tmp_path / "campaign.csv"
    frame.to_csv(path, index=False)
    result = kenal("uplift", "--input", str(path), "--segment-column", "tier", "--output", str(tmp_path / "u.csv"))
    assert result.returncode == 0, result.stderr
    assert (f"{path}: 2,400 rows = 1,199 treatment + 1,200 control + 1 left out without an outcome + 0 repeated "
            "rows (counted once)") in result.stdout
    assert "Newcombe hybrid score interval" in result.stdout and "Wrote 3 rows" in result.stdout
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.split()[:1] in
             (["Loyal"], ["Casual"], ["all"])}
    written = pd.read_csv(tmp_path / "u.csv").fillna({"note": ""})
    expected = uplift_by_segment(read_experiment(path, segment_column="tier")).to_frame()
    pd.testing.assert_frame_equal(written, expected.astype({c: "int64" for c in
                                                           ("n_treatment", "n_control", "excluded_no_outcome")}),
                                  check_dtype=False)
    assert written.segment.tolist() == ["Casual", "Loyal", "all"]
    for row in written.itertuples():  # the printed uplift and interval are the file's, in percentage points
        assert lines[row.segment][5] == f"{row.uplift * 100:+.1f}"
        assert " ".join(lines[row.segment][6:9]) == f"{row.ci_low * 100:+.1f} to {row.ci_high * 100:+.1f}"
    assert int(written.n_treatment.sum() + written.n_control.sum()) == 2 * 2_399  # segments, then all


def test_uplift_by_a_segmentation_of_the_workspace(segmented_workspace, tmp_path):  # noqa: F811
    ws, store = segmented_workspace
    store.close()  # the CLI opens the workspace itself
    path = write_csv(tmp_path, "campaign", ["customer_id", "group", "revenue"],
                     [["C1", "treatment", "100"], ["C2", "control", "40"], ["C3", "treatment", "0"],
                      ["C4", "control", "10"], ["C5", "control", ""]])
    out = tmp_path / "u.parquet"
    result = kenal("uplift", "-i", str(path), "--outcome", "revenue", "--workspace", str(ws), "--segmentation",
                   "value", "--snapshot", "20260131-001", "--min-per-arm", "2", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert ("Segments: segmentation 'value' of snapshot 20260131-001; 2 customers not in it are counted as "
            "(not segmented)") in result.stdout
    written = pd.read_parquet(out)
    assert written[["segment", "n_treatment", "n_control", "excluded_no_outcome"]].values.tolist() == [
        ["High", 0, 1, 0], ["Low", 1, 1, 0], ["(not segmented)", 1, 0, 1], ["all", 2, 2, 1]]
    assert written.uplift.iloc[-1] == pytest.approx((100 + 0) / 2 - (40 + 10) / 2)


def test_a_bad_group_value_is_one_line_from_the_cli(tmp_path):
    path = write_csv(tmp_path, "campaign", ["customer_id", "group", "converted"],
                     [["C1", "treatment", 1], ["C2", "holdout", 0]])
    assert_one_line_error(kenal("uplift", "--input", str(path)),
                          f"{path}: column 'group' is not a group in row 2 (example: 'holdout') - expected treatment "
                          "or control (also treated / control, 1 / 0, true / false, in any case)")


@pytest.mark.parametrize("args,expected", [
    (["--segment-column", "tier", "--segmentation", "value"],
     "--segment-column and --segmentation both give segments; use one"),
    (["--snapshot", "20260131-001"], "--snapshot needs --segmentation (the snapshot's segments are what it selects)"),
])
def test_conflicting_segment_options(tmp_path, args, expected):
    """Checked by the command before any file is read (in process: the line itself is tested above)."""
    from typer.testing import CliRunner

    from kenal.cli import app
    from kenal.errors import ConfigError

    result = CliRunner().invoke(app, ["uplift", "--input", str(tmp_path / "x.csv"), *args])
    assert isinstance(result.exception, ConfigError) and str(result.exception) == expected

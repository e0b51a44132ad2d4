"""Scores as of a date see nothing after it; ``kenal score`` and ``kenal export scores`` end to end.

Every row after the as-of date is rewritten in the store (amounts, channels, events, ratings,
consents, new customers' attributes) and every customer gets a purchase the day after it: the training
snapshots, their outcomes, the features and every score stay the same.
"""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from kenal.config import Settings
from kenal.errors import ConfigError, WorkspaceError
from kenal.ingest import ingest
from kenal.sample import generate_sample, write_sample
from kenal.scores.dataset import FrameCache, churn_target, outcomes
from kenal.scores.scoring import EXPORT_COLUMNS, ScoreOptions, export_scores, score_workspace
from kenal.store import Store
from tests.cli.test_errors import assert_one_line_error, kenal
from tests.conftest import write_csv
from tests.test_as_of import AS_OF

OPTIONS = ScoreOptions(propensities=(("fashion", 90),), validate=False)


def rewrite_the_future(store: Store) -> None:
    after = f"TIMESTAMPTZ '{AS_OF.isoformat()}'"
    for name in ("customers", "transactions", "transaction_items", "events", "interactions", "consents"):
        store.write(name, store.table(name))  # ingest keeps them as views over Parquet; SQL updates tables
    for sql in (
        f"UPDATE transactions SET amount = amount * 7, amount_base = amount_base * 7, channel = 'store' "
        f"WHERE timestamp > {after}",
        f"INSERT INTO transaction_items SELECT i.* REPLACE ('X' || i.transaction_id AS transaction_id) "
        f"FROM transaction_items i JOIN transactions t USING (transaction_id) WHERE t.timestamp > {after}",
        f"INSERT INTO transactions SELECT * REPLACE ('X' || transaction_id AS transaction_id) FROM transactions "
        f"WHERE timestamp > {after}",
        # everybody buys fashion the next day: no churner, every one a fashion buyer, if the future leaked
        f"INSERT INTO transactions SELECT * REPLACE ('Y' || customer_id AS transaction_id, {after} + INTERVAL 1 DAY "
        f"AS timestamp, 'purchase' AS kind) FROM (SELECT * FROM transactions WHERE kind = 'purchase' "
        f"QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY transaction_id) = 1)",
        "INSERT INTO transaction_items (transaction_id, product_id, quantity, unit_price) SELECT transaction_id, "
        "(SELECT min(product_id) FROM products WHERE lower(category) = 'fashion'), 1, 100000 FROM transactions "
        "WHERE transaction_id LIKE 'Y%'",
        f"UPDATE events SET event = 'Product Viewed', page_path = '/pricing', user_agent = 'Mozilla/5.0 (iPhone) Mobi' "
        f"WHERE timestamp > {after}",
        f"UPDATE interactions SET rating = 1 WHERE timestamp > {after}",
        f"UPDATE consents SET granted = NOT granted WHERE timestamp > {after}",
        f"UPDATE customers SET region = 'Papua', income = NULL WHERE created_at > {after}",
    ):
        store.con.raw_sql(sql)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same workspace twice: the original scored by ``kenal score``, the rewritten one in process."""
    root = tmp_path_factory.mktemp("leak")
    data = generate_sample(n_customers=1_500, seed=4)
    write_sample(data, root / "input", root / "truth")
    with Store.open(root / "original", Settings()) as store:
        ingest(store, root / "input")
    shutil.copytree(root / "original", root / "rewritten")
    with Store.open(root / "rewritten", Settings()) as store:
        rewrite_the_future(store)
        rewritten = score_workspace(store, Settings(), AS_OF, OPTIONS)
        churners = len(rewritten.table) - len(outcomes(store, AS_OF, churn_target(90)))
    # the rewrite reaches what a score looking ahead would read: the outcome after the as-of date
    assert churners <= 0
    cli = kenal("score", "--workspace", str(root / "original"), "--as-of", "2026-03-31T23:59:59",
                "--propensity", "fashion:90", "--no-validate")
    assert cli.returncode == 0, cli.stderr
    return root, rewritten, cli


def _stored(workspace) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    with Store.open(workspace, Settings()) as store:
        scores = store.table("scores").execute().sort_values("customer_id", ignore_index=True)
        runs = store.table("score_runs").execute()
        features = FrameCache(store).features(AS_OF)
    return scores, {r.score: json.loads(r.report) for r in runs.itertuples()}, features


def _same(a, b, path="") -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        # engines may add up rows in any order: the last bits of a sum move, nothing more
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (path, a, b)
    else:
        assert a == b, path


def test_no_row_after_the_as_of_date_changes_a_feature_or_a_score(both):
    root, _, _ = both
    original, rewritten = _stored(root / "original"), _stored(root / "rewritten")
    scores, reports, features = original
    assert len(scores) > 1000 and scores.churn_flag.sum() > 200
    assert_frame_equal(features, rewritten[2], rtol=1e-9)
    assert_frame_equal(scores, rewritten[0], rtol=1e-9)
    _same(reports, rewritten[1])
    # the training snapshots really are before the as-of date, their outcome windows ending by it
    s = reports["churn"]["settings"]
    assert pd.Timestamp(s["training_snapshots"][-1]) + pd.Timedelta(days=90) == pd.Timestamp(AS_OF)


def test_score_and_export_from_the_command_line(both, tmp_path):
    root, rewritten, cli = both
    assert "churn:" in cli.stdout and "propensity_fashion_90d:" in cli.stdout
    out = tmp_path / "scores.csv"
    result = kenal("export", "scores", "--workspace", str(root / "original"), "--output", str(out))
    assert result.returncode == 0, result.stderr
    exported = pd.read_csv(out)
    assert list(exported.columns) == EXPORT_COLUMNS + ["propensity_fashion_90d"]
    expected = rewritten.table
    assert len(exported) == len(expected) and (exported.snapshot_id == "20260331-001").all()
    merged = exported.merge(expected, on="customer_id", suffixes=("", "_expected"))
    assert len(merged) == len(expected)
    assert (merged.churn_probability - merged.churn_probability_expected).abs().max() < 1e-12
    assert (merged.clv - merged.clv_expected).abs().max() <= 1e-9 * merged.clv.abs().max()
    with Store.open(root / "original", Settings()) as store:
        export_scores(store, tmp_path / "scores.parquet")
        with pytest.raises(ConfigError) as bad:
            export_scores(store, tmp_path / "scores.txt")
    assert list(pd.read_parquet(tmp_path / "scores.parquet").columns) == list(exported.columns)
    assert str(bad.value) == "export format 'txt' is not supported; expected one of csv, parquet"


def test_score_an_unknown_workspace(tmp_path):
    result = kenal("score", "--workspace", str(tmp_path / "nope"))
    assert_one_line_error(result, f"the workspace {tmp_path / 'nope'} does not exist; run 'kenal run --input DIR "
                                  f"--workspace {tmp_path / 'nope'}' first")


def test_score_or_export_before_any_snapshot(tmp_path):
    write_csv(tmp_path / "in", "customers", ["customer_id", "created_at"], [["C1", "2026-01-01"]])
    write_csv(tmp_path / "in", "transactions", ["transaction_id", "customer_id", "timestamp", "amount", "currency"],
              [["T1", "C1", "2026-02-01", "1000", "IDR"]])
    settings = Settings(consent_default="grant")
    with Store.open(tmp_path / "ws", settings) as store:
        ingest(store, tmp_path / "in")
        with pytest.raises(WorkspaceError) as no_snapshot:
            score_workspace(store, settings)
        with pytest.raises(WorkspaceError) as no_scores:
            export_scores(store, tmp_path / "scores.csv")
        with pytest.raises(WorkspaceError) as short:
            score_workspace(store, settings, as_of=pd.Timestamp("2026-03-01 23:59", tz="Asia/Jakarta").to_pydatetime())
    assert str(no_snapshot.value) == "the workspace has no snapshot yet; run 'kenal run' first"
    assert str(no_scores.value) == "the workspace has no scores yet; run 'kenal score' first"
    assert str(short.value) == ("score 'churn' as of 2026-03-01 needs at least 118 days of purchases before it; "
                                "the data starts 2026-02-01")

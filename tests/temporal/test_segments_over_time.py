"""Six monthly snapshots of the sample, replayed with ``kenal backfill``: customers whose planted
behaviour does not change keep their segment, and the plain approach (an independent re-fit each
month, segments matched only by their number) is measured beside it."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kenal.config import Settings
from kenal.models import segmenter
from kenal.outputs import ASSIGNMENTS, FEATURES, SEGMENTATION_RUNS, SNAPSHOTS
from kenal.sample import generate_sample, write_sample
from kenal.store import Store
from tests.cli.test_errors import kenal

N_CUSTOMERS = 12_000
MONTHS = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"]
CONFIG = """seed = 1

[segmentations.behavioural]
kind = "clustering"
auto = false

[segmentations.lifecycle]
kind = "lifecycle"
"""


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    root = tmp_path_factory.mktemp("months")
    write_sample(generate_sample(n_customers=N_CUSTOMERS, seed=1), root / "input", root / "truth")
    ws = root / "ws"
    ws.mkdir()
    (ws / "kenal.toml").write_text(CONFIG, encoding="utf-8")
    assert kenal("ingest", "--input", str(root / "input"), "--workspace", str(ws)).returncode == 0
    done = kenal("backfill", "--from", MONTHS[0], "--to", MONTHS[-1], "--workspace", str(ws))
    assert done.returncode == 0, done.stderr
    with Store.open(ws, Settings(seed=1)) as store:  # read now: the workspace is one process's at a time
        tables = {name: store.table(name).execute() for name in (SNAPSHOTS, ASSIGNMENTS, FEATURES, SEGMENTATION_RUNS,
                                                                  "segments")}
    return ws, done.stdout, tables


def _snapshots(tables: dict) -> list[str]:
    return tables[SNAPSHOTS].sort_values("as_of").snapshot_id.tolist()


def _kept(before: pd.Series, after: pd.Series) -> float:
    both = before.index.intersection(after.index)
    return float((before[both] == after[both]).mean())


def test_stable_ids_keep_95_percent_of_customers_month_to_month(backfilled):
    _, _, tables = backfilled
    sids = _snapshots(tables)
    assert len(sids) == len(MONTHS)
    a = tables[ASSIGNMENTS][tables[ASSIGNMENTS].segmentation == "behavioural"]
    stable = {sid: a[a.snapshot_id == sid].set_index("customer_id").segment_id for sid in sids}
    features = tables[FEATURES]
    plain = {}
    for sid in sids:  # what a team re-clustering each month gets: new numbers each time
        x = features[features.snapshot_id == sid].sort_values("customer_id")
        plain[sid] = pd.Series(segmenter("kmeans", random_state=1).fit(x).labels_, index=x.customer_id.to_numpy())
    kept = [_kept(stable[s], stable[t]) for s, t in zip(sids, sids[1:])]
    naive = [_kept(plain[s], plain[t]) for s, t in zip(sids, sids[1:])]
    print("kept with stable ids:", [f"{k:.3f}" for k in kept], "plain re-fit:", [f"{k:.3f}" for k in naive])
    assert min(kept) >= 0.95, kept
    assert sum(kept) > sum(naive), (kept, naive)


def test_every_decision_is_logged_with_its_reason(backfilled):
    _, _, tables = backfilled
    runs = tables[SEGMENTATION_RUNS].set_index(["snapshot_id", "segmentation"])
    sids = _snapshots(tables)
    decisions = [runs.loc[(sid, "behavioural"), "decision"] for sid in sids]
    assert decisions[0] == "no earlier model: fitted on this snapshot"
    assert decisions[1].startswith("kept the model fitted on 2026-01-31 (28 days ago); the largest drift is ")
    assert decisions[2] == "re-fitted: the model from 2026-01-31 is 59 days old (re-fit every 30 days)"
    assert decisions[3] == "re-fitted: the model from 2026-03-31 is 30 days old (re-fit every 30 days)"
    assert {runs.loc[(sid, "lifecycle"), "decision"] for sid in sids} == {"rule-based segments refresh on every run"}
    continuity = json.loads(runs.loc[(sids[2], "behavioural"), "continuity"])
    assert continuity["previous_snapshot"] == sids[1]
    assert continuity["kept"] + continuity["moved_by_behaviour"] + continuity["moved_by_refit"] == pytest.approx(1)


def test_a_segment_that_continues_keeps_its_id_and_name(backfilled):
    _, _, tables = backfilled
    sids = _snapshots(tables)
    runs = tables[SEGMENTATION_RUNS].set_index(["snapshot_id", "segmentation"])
    seg = tables["segments"][tables["segments"].segmentation == "behavioural"]
    first = seg[seg.snapshot_id == sids[0]].set_index("segment_id").name
    for sid in sids[1:]:
        continuity = json.loads(runs.loc[(sid, "behavioural"), "continuity"])
        assert continuity["new"] == [] and continuity["vanished"] == []
        assert seg[seg.snapshot_id == sid].set_index("segment_id").name.to_dict() == first.to_dict()


def test_backfill_prints_how_each_snapshot_continues_the_last(backfilled):
    _, out, tables = backfilled
    sids = _snapshots(tables)
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("behavioural: ")]
    assert len(lines) == len(MONTHS) - 1
    assert lines[1].startswith("behavioural: ") and f"since snapshot {sids[1]} (" in lines[1]
    assert lines[1].endswith("re-fitted: the model from 2026-01-31 is 59 days old (re-fit every 30 days)")


def test_the_report_shows_the_movement_since_the_previous_snapshot(backfilled):
    ws, _, tables = backfilled
    done = kenal("run", "--as-of", "2026-07-31", "--workspace", str(ws))
    assert done.returncode == 0, done.stderr
    html = (ws / "report.html").read_text(encoding="utf-8")
    previous = _snapshots(tables)[-1]
    assert html.count(f"Movement since snapshot {previous}") == 2  # behavioural and lifecycle
    assert html.count('aria-label="customers moving between segments"') == 2

"""`kenal run` with a learnt segmentation: labels in a file, everyone assigned, metrics stored; a
broken labels file is one line and exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from kenal.config import Settings
from kenal.outputs import ASSIGNMENTS, SEGMENTATION_RUNS
from kenal.sample import generate_sample, write_sample
from kenal.store import Store
from tests.cli.test_errors import assert_one_line_error, kenal
from tests.conftest import write_csv

TOML = '[segmentations.loyalty]\nkind = "learnt"\nlabels = "labels.csv"\n'


def test_run_learns_the_labelled_churners_and_assigns_everyone(tmp_path):
    data = generate_sample(n_customers=1_500, seed=4)
    write_sample(data, tmp_path / "in", tmp_path / "truth")
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "kenal.toml").write_text(TOML)
    churn = data.truth["churn"]
    rng = np.random.default_rng(0)
    labels = churn[rng.random(len(churn)) < 0.3]  # some of them refused profiling
    labels = pd.DataFrame({"customer_id": [*labels.customer_id, "X1", "X2"],  # and two are nobody
                           "label": [*np.where(labels.churned, "lost", "loyal"), "lost", "loyal"]})
    labels.to_csv(ws / "labels.csv", index=False)

    result = kenal("run", "--input", str(tmp_path / "in"), "--workspace", str(ws))
    assert result.returncode == 0, result.stderr

    consents = data.tables["consents"]
    refused = set(consents.customer_id[(consents.purpose == "profiling") & ~consents.granted.astype(bool)])
    consenting = set(data.tables["customers"].customer_id) - refused
    not_in = len(set(labels.customer_id) - consenting)
    assert not_in > 2  # the sample plants refusals among the labelled: the count below is worth checking
    with Store.open(ws, Settings()) as store:
        assigned = store.table(ASSIGNMENTS).filter(lambda t: t.segmentation == "loyalty").execute()
        runs = store.table(SEGMENTATION_RUNS).filter(lambda t: t.segmentation == "loyalty").execute().iloc[0]
    assert set(assigned.customer_id) == consenting
    given = labels.set_index("customer_id").label
    mine = assigned[assigned.customer_id.isin(given.index)]
    assert (mine.segment_name.to_numpy() == given.loc[mine.customer_id].to_numpy()).all()  # labels stand

    warning = (f"{not_in} of {len(labels):,} labelled customers in labels.csv are not in this snapshot (not consenting "
               "to profiling, or unknown): ignored.")
    assert json.loads(runs.warnings)[0] == warning and warning in runs.choice_reason
    model = json.loads(runs.model)
    assert model["n_not_in_snapshot"] == not_in and model["n_labelled"] == len(labels) - not_in
    assert model["segment_names"] == ["lost", "loyal"]
    assert [m["label"] for m in model["metrics"]] == ["lost", "loyal"]
    assert {"min_samples_leaf", "l2_regularization", "max_leaf_nodes", "n_iter"} <= set(model["hyper_parameters"])

    rest = assigned[~assigned.customer_id.isin(given.index)]
    truth = churn.set_index("customer_id").churned.loc[rest.customer_id].map({True: "lost", False: "loyal"})
    holdout = f1_score(truth, rest.segment_name, average="macro")
    # measured (seed 4): macro-F1 0.768 on the customers nobody labelled, 0.775 cross-validated
    assert holdout >= 0.72 and abs(holdout - model["macro_f1"]) <= 0.05, (holdout, model["macro_f1"])

    html = (ws / "report.html").read_text()
    assert "How well the labels are learnt (out of fold, on the labelled customers)" in html
    for m in model["metrics"]:
        assert (f'<tr><td>{m["label"]}</td><td class="num">{m["precision"]:.2f}</td><td class="num">'
                f'{m["recall"]:.2f}</td>') in html


@pytest.mark.parametrize("broken, expected", [
    ("missing", "{ws}/labels.csv: does not exist - expected a CSV or Parquet file with columns customer_id and label"),
    ("no label column", "{ws}/labels.csv: column 'label' is missing - expected columns customer_id and label; found "
                        "customer_id, segment"),
])
def test_run_with_a_broken_labels_file_is_one_line(tmp_path, broken, expected):
    write_csv(tmp_path / "in", "customers", ["customer_id", "created_at"], [[f"C{i}", "2026-01-01"] for i in range(30)])
    write_csv(tmp_path / "in", "transactions", ["transaction_id", "customer_id", "timestamp", "amount", "currency"],
              [[f"T{i}", f"C{i}", "2026-02-01", "1000", "IDR"] for i in range(30)])
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "kenal.toml").write_text('consent_default = "grant"\n' + TOML)
    if broken == "no label column":
        write_csv(ws, "labels", ["customer_id", "segment"], [[f"C{i}", "loyal"] for i in range(30)])
    result = kenal("run", "--input", str(tmp_path / "in"), "--workspace", str(ws))
    assert_one_line_error(result, expected.format(ws=ws))

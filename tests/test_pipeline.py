"""The whole flow on the sample: planted truth recovered, consent honoured, every row accounted for."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from markupsafe import escape  # as the report's templates escape
from sklearn.metrics import adjusted_rand_score

from kenal.activation import export_segments
from kenal.config import Settings
from kenal.outputs import ASSIGNMENTS, FEATURES
from kenal.pipeline import run
from kenal.report import write_report
from kenal.sample import generate_sample, write_sample
from kenal.store import Store

N_CUSTOMERS = 20_000


def run_sample(root, seed: int, n: int = N_CUSTOMERS):
    data = generate_sample(n_customers=n, seed=seed)
    write_sample(data, root / "input", root / "truth")
    settings = Settings(seed=seed)
    result = run(root / "ws", settings, input_dir=root / "input")
    return data, settings, result


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    data, settings, result = run_sample(root, seed=1)
    store = Store.open(root / "ws", settings)
    yield root, data, result, store
    store.close()


def planted_ari(store: Store, data, snapshot_id: str) -> float:
    a = store.table(ASSIGNMENTS).filter(lambda t: (t.snapshot_id == snapshot_id) & (t.segmentation == "behavioural"))
    a = a.execute()
    truth = data.truth["segments"].set_index("customer_id").segment
    return adjusted_rand_score(truth.loc[a.customer_id].to_numpy(), a.segment_id.to_numpy())


def test_segments_recover_the_planted_ones(sample_run):
    _, data, result, store = sample_run
    ari = planted_ari(store, data, result.snapshot.snapshot_id)
    assert ari >= 0.85, f"ARI {ari:.3f}"


@pytest.mark.parametrize("seed", [2, 3])
def test_segments_recover_the_planted_ones_on_other_seeds(tmp_path, seed):
    data, settings, result = run_sample(tmp_path, seed)
    store = Store.open(tmp_path / "ws", settings)
    try:
        ari = planted_ari(store, data, result.snapshot.snapshot_id)
    finally:
        store.close()
    assert ari >= 0.85, f"seed {seed}: ARI {ari:.3f}"


def refused_profiling(data) -> set[str]:
    c = data.tables["consents"]
    return set(c.loc[(c.purpose == "profiling") & ~c.granted.astype(bool), "customer_id"])


def test_no_customer_without_profiling_consent_is_in_features_segments_or_export(sample_run):
    root, data, result, store = sample_run
    refused = refused_profiling(data)
    assert len(refused) > 100  # the sample plants refusals; the check below must have something to catch
    sid = result.snapshot.snapshot_id
    features = set(store.table(FEATURES).filter(lambda t: t.snapshot_id == sid).customer_id.execute())
    assigned = set(store.table(ASSIGNMENTS).filter(lambda t: t.snapshot_id == sid).customer_id.execute())
    export_segments(store, root / "segments.csv")
    exported = set(pd.read_csv(root / "segments.csv").customer_id)
    assert features & refused == set() and assigned & refused == set() and exported & refused == set()
    everyone = set(data.tables["customers"].customer_id)
    assert features == assigned == exported == everyone - refused
    assert result.n_customers == len(everyone - refused)


def test_every_row_is_accounted_for_and_planted_defects_are_counted_exactly(sample_run):
    _, data, result, _ = sample_run
    for name, counts in result.ingest.tables.items():
        assert counts.read == len(data.tables[name]), name
        assert counts.read == counts.loaded + counts.duplicates + counts.quarantined, name
    tx = result.ingest.tables["transactions"]
    assert tx.duplicates == data.defects["duplicate_transactions"]
    assert tx.reasons == {"unknown_currency": data.defects["unknown_currency"]}
    for name in ("customers", "products", "transaction_items", "events", "interactions", "consents", "fx_rates"):
        assert result.ingest.tables[name].quarantined == 0, name


def test_health_finds_every_planted_defect_with_its_exact_count(sample_run):
    root, data, result, _ = sample_run
    health = json.loads((root / "ws" / "health.json").read_text())
    checks = {(c["id"], c["table"], c["column"]): c for c in health["checks"]}
    planted = data.defects
    expected = {
        ("duplicate_rows", "transactions", None): planted["duplicate_transactions"],
        ("near_duplicate_transactions", "transactions", None): planted["near_duplicate_transactions"],
        ("quarantined_rows", "transactions", "currency"): planted["unknown_currency"],
        ("bot_sessions", "events", None): planted["bot_sessions"],
        ("bot_events", "events", None): planted["bot_events"],
        ("timestamp_future", "events", "timestamp"): planted["future_timestamps"],
        ("timestamp_out_of_order", "events", "timestamp"): planted["out_of_order_timestamps"],
        ("missing_values", "customers", "income"): planted["missing_income"],
        ("spam_texts", "interactions", "text"): planted["spam_texts"],
    }
    assert {key: checks[key]["count"] for key in expected} == expected
    assert all(checks[key]["severity"] == "warning" for key in expected)
    assert checks[("missing_values", "events", "page_path")]["severity"] == "info"  # empty by nature
    # Nothing else is above info: every warning is a planted defect.
    assert {k for k, c in checks.items() if c["severity"] != "info"} == set(expected)
    tables = {t["table"]: t for t in health["tables"]}
    assert tables["transactions"]["rows"] == len(data.tables["transactions"]) - planted[
        "duplicate_transactions"] - planted["unknown_currency"]
    assert health["recommended_segmentation"] == "clustering"


def test_flagged_examples_are_planted_rows(sample_run):
    root, data, _, _ = sample_run
    health = json.loads((root / "ws" / "health.json").read_text())
    truth = data.truth["defects"]
    keys = {d: set(truth.key[truth.defect == d]) for d in truth.defect.unique()}
    by_id = {c["id"]: c for c in health["checks"]}
    assert {e["session"] for e in by_id["bot_sessions"]["examples"]} <= keys["bot_sessions"]
    assert {e["message_id"] for e in by_id["timestamp_out_of_order"]["examples"]} <= keys["out_of_order_timestamps"]
    assert {e["transaction_id"] for e in by_id["near_duplicate_transactions"]["examples"]} <= keys[
        "near_duplicate_transactions"]
    assert {e["interaction_id"] for e in by_id["spam_texts"]["examples"]} <= keys["spam_texts"]
    assert all(len(by_id[i]["examples"]) == 5 for i in ("bot_sessions", "timestamp_out_of_order", "spam_texts"))


def test_lifecycle_stages_find_the_planted_lapsed_and_new_customers(sample_run):
    """The sample's "lapsed" customers stopped buying 6-18 months before the cut-off; its new ones
    joined within the last 90 days."""
    _, data, result, store = sample_run
    a = store.table(ASSIGNMENTS)
    a = a.filter((a.snapshot_id == result.snapshot.snapshot_id) & (a.segmentation == "lifecycle")).execute()
    planted = data.truth["segments"].set_index("customer_id").segment.loc[a.customer_id].to_numpy()
    stage = a.segment_name.to_numpy()
    churned_recall = (stage[planted == "lapsed"] == "Churned").mean()
    new_recall = (stage[planted == "new_customer"] == "New").mean()
    assert churned_recall >= 0.9 and new_recall >= 0.9, (churned_recall, new_recall)


def test_every_segment_is_described_and_named_uniquely(sample_run):
    _, _, result, _ = sample_run
    assert [g.name for g in result.segmentations] == [s.name for s in Settings().segmentations]
    clustering = result.primary
    assert clustering.name == "behavioural"
    assert len(clustering.segments) == clustering.criteria.silhouette.idxmax() + 2
    for g in result.segmentations:
        names = [s.name for s in g.segments]
        assert len(set(names)) == len(names), g.name
        assert sum(s.size for s in g.segments) == result.n_customers, g.name
        assert sum(s.revenue_share for s in g.segments) == pytest.approx(1.0), g.name


def _matches(features: pd.DataFrame, conditions: list[dict]) -> pd.Series:
    ops = {">": lambda v, x: v > x, ">=": lambda v, x: v >= x, "<=": lambda v, x: v <= x}
    matched = pd.Series(True, index=features.index)
    for c in conditions:
        v = features[c["feature"]].astype(float)
        matched &= ops[c["op"]](v, c["value"]) | (v.isna() & c["or_missing"])
    return matched


def test_surrogate_rules_reproduce_the_default_clustering_and_say_so_truly(sample_run):
    _, _, result, store = sample_run
    behavioural = result.primary
    assert behavioural.explanation.fidelity >= 0.9  # the bar, on customers the rules were not fitted on
    assert f"reproduce {behavioural.explanation.fidelity:.0%} of the assignment" in behavioural.explanation.rules_summary
    # every stated coverage and precision, recomputed from the features and the stored assignment
    sid = result.snapshot.snapshot_id
    features = store.table(FEATURES).filter(lambda t: t.snapshot_id == sid).execute().set_index("customer_id")
    a = store.table(ASSIGNMENTS).filter(lambda t: (t.snapshot_id == sid) & (t.segmentation == "behavioural"))
    segment = a.execute().set_index("customer_id").segment_id.loc[features.index]
    for s in behavioural.segments:
        assert s.rules, s.name
        for rule in s.rules:
            hit = _matches(features, rule["conditions"])
            members = segment == s.segment_id
            assert rule["coverage"] == pytest.approx((hit & members).sum() / members.sum())
            assert rule["precision"] == pytest.approx((hit & members).sum() / hit.sum())
        assert s.persona.startswith("Customers for ") and s.potential["reachability"] is not None


def test_report_shows_health_segments_and_criteria(sample_run):
    root, _, result, _ = sample_run
    html = write_report(root / "ws", result, Settings(seed=1)).read_text()
    for g in result.segmentations:
        assert f'<section id="seg-{g.name}">' in html and escape(g.reason) in html
        for s in g.segments:
            assert f"<td>{s.segment_id}</td><td>{escape(s.name)}</td>" in html
            assert f'<p class="persona">{escape(s.persona)}</p>' in html
        for warning in g.explanation.warnings:
            assert f"<li>{escape(warning)}</li>" in html
    section = html[html.index('<section id="seg-behavioural">'):html.index('<section id="seg-rfm">')]
    assert section.count("<circle ") == len(result.primary.explanation.projection) + len(result.primary.segments)
    assert escape(result.primary.explanation.rules_summary) in section
    assert "quarantined: unknown_currency in column currency" in html


def test_rerunning_the_same_input_gives_the_same_segments(sample_run, tmp_path):
    root, _, first, _ = sample_run
    settings = Settings(seed=1)
    second = run(root / "ws", settings, input_dir=root / "input")
    reopened = Store.open(root / "ws", settings)
    a = reopened.table(ASSIGNMENTS)
    one = a.filter(a.snapshot_id == first.snapshot.snapshot_id).order_by(["segmentation", "customer_id"]).execute()
    two = a.filter(a.snapshot_id == second.snapshot.snapshot_id).order_by(["segmentation", "customer_id"]).execute()
    reopened.close()
    assert second.ingest.tables["transactions"].loaded == 0  # idempotent ingest
    pd.testing.assert_frame_equal(one.drop(columns="snapshot_id"), two.drop(columns="snapshot_id"))


def test_rules_segmentation_treats_a_negative_purchase_total_as_no_revenue():
    from kenal.segmentations.run import _fit
    from kenal.segmentations.spec import spec

    features = pd.DataFrame({"customer_id": ["A", "B", "C"], "recency_days": [1.0, 2.0, 3.0],
                             "frequency": [1, 1, 1], "monetary": [-500.0, 0.0, 900.0]})
    model = _fit(spec("rfm", "rfm"), features, Settings())
    assert model.scores_.m.tolist() == [2, 2, 5]  # -500 counts as 0, tied with B


def test_a_large_population_is_fitted_on_a_sample_and_assigned_whole(tmp_path, monkeypatch):
    import numpy as np

    import kenal.segmentations.run as segmentations
    from kenal.models import BehaviouralSegmenter
    from kenal.segmentations.spec import spec

    monkeypatch.setattr(segmentations, "FIT_SAMPLE", 300)
    data = generate_sample(800, seed=2)
    write_sample(data, tmp_path / "in", tmp_path / "truth")
    settings = Settings(consent_default="grant", max_segments=5,
                        segmentations=(spec("behavioural", "clustering", auto=False),))
    result = run(tmp_path / "ws", settings, input_dir=tmp_path / "in")
    with Store.open(tmp_path / "ws", settings) as store:
        features = store.table(FEATURES).drop("snapshot_id").order_by("customer_id").execute()
        assigned = store.table(ASSIGNMENTS).order_by("customer_id").execute()
        recorded = json.loads(store.table("segmentation_runs").model.execute().iloc[0])
    expected = BehaviouralSegmenter(k_max=5, random_state=0).fit(features.sample(n=300, random_state=0))
    np.testing.assert_allclose(recorded["centers"], expected.cluster_centers_)
    assert len(assigned) == result.n_customers == len(features) > 300
    assert assigned.segment_id.tolist() == expected.predict(features).tolist()
    assert sum(p.size for p in result.primary.segments) == result.n_customers

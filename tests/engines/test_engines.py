"""The same pipeline on DuckDB, PostgreSQL and Spark: ingest -> health -> features -> segments -> export
gives the same numbers on every engine (features within floating-point tolerance, assignments exact)."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import psycopg
import pyarrow.parquet as pq
import pytest

from kenal.activation import export_segments
from kenal.config import Settings
from kenal.errors import SourceError
from kenal.ingest import QUARANTINE, ingest
from kenal.models import BehaviouralSegmenter
from kenal.outputs import ASSIGNMENTS, FEATURES
from kenal.pipeline import run
from kenal.sample import generate_sample, write_sample, write_sample_chunked
from kenal.segmentations.spec import DEFAULT_SEGMENTATIONS, spec
from kenal.store import Store
from tests.conftest import write_broken_parquet

N_CUSTOMERS = 600


@pytest.fixture(scope="module")
def sample_input(tmp_path_factory):
    root = tmp_path_factory.mktemp("engines")
    write_sample(generate_sample(N_CUSTOMERS, seed=5), root / "in", root / "truth", fmt="csv")
    return root / "in"


# every rule function, over bot and anonymous traffic; on the sample, each segment gets customers
RULE_SEGMENTS = spec("campaigns", "rules", segments=[
    {"name": "Hot browsers", "rule": 'visits("Product Viewed", days=7) >= 3 and orders(days=7) == 0'},
    {"name": "Pricing lookers", "rule": 'viewed_page("/pricing", days=30) >= 1'},
    {"name": "Big spenders", "rule": "lifetime_value > 5_000_000 or revenue(days=90) > 2_000_000"},
    {"name": "Lapsed buyers", "rule": "lifetime_orders >= 2 and orders(days=90) == 0 and returns(days=365) == 0"}])
# the clustering methods beside k-means: each engine assigns with the method's own expression
CLUSTERINGS = tuple(spec(method, "clustering", method=method, auto=False) for method in ("gmm", "hdbscan", "kprototypes"))


def settings_for(engine: str, request) -> Settings:
    extra = {}
    if engine == "postgres":
        extra = {"dsn": request.getfixturevalue("postgres_dsn")}
    elif engine == "spark":
        request.getfixturevalue("spark_session")
        extra = {"spark_master": "local[2]", "spark_partitions": 4, "spark_memory": "2g"}
    # every kind of segmentation; the sample is small, so clustering is asked for explicitly
    segmentations = tuple(spec("behavioural", "clustering", auto=False) if s.kind == "clustering" else s
                          for s in DEFAULT_SEGMENTATIONS) + (RULE_SEGMENTS,) + CLUSTERINGS
    return Settings(engine=engine, consent_default="grant", max_segments=6, segmentations=segmentations, **extra)


@pytest.fixture(scope="module")
def outcome(sample_input, tmp_path_factory, request):
    """What one run gives on each engine, computed once per engine."""
    done: dict[str, dict] = {}

    def on(engine: str) -> dict:
        if engine in done:
            return done[engine]
        ws = tmp_path_factory.mktemp(f"ws-{engine}")
        settings = settings_for(engine, request)
        result = run(ws, settings, input_dir=sample_input)
        with Store.open(ws, settings) as store:
            export = ws / "segments.csv"
            export_segments(store, export)
            q = store.table(QUARANTINE)
            done[engine] = {
                "workspace": ws, "settings": settings, "result": result,
                "ingest": {t: (c.read, c.loaded, c.duplicates, c.quarantined, c.reasons)
                           for t, c in result.ingest.tables.items()},
                "quarantine": q.select("table", "source_row", "reason", "column", "value").execute()
                .sort_values(["table", "source_row", "reason"]).reset_index(drop=True),
                "health": sorted((c.id, c.table, c.severity, c.count) for c in result.health.checks),
                "features": store.table(FEATURES).drop("snapshot_id").execute()
                .sort_values("customer_id").reset_index(drop=True),
                "assignments": store.table(ASSIGNMENTS)
                .select("segmentation", "customer_id", "segment_id", "segment_name").execute()
                .sort_values(["segmentation", "customer_id"]).reset_index(drop=True),
                "export": pd.read_csv(export).sort_values("customer_id").reset_index(drop=True),
            }
        return done[engine]

    return on


OTHER_ENGINES = ("postgres", "spark")


@pytest.mark.parametrize("engine", OTHER_ENGINES)
def test_ingest_counts_and_quarantine_are_the_same(outcome, engine):
    assert outcome(engine)["ingest"] == outcome("duckdb")["ingest"]
    pd.testing.assert_frame_equal(outcome(engine)["quarantine"], outcome("duckdb")["quarantine"])
    # and they are the planted truth, not merely equal
    assert outcome("duckdb")["ingest"]["customers"][:4] == (N_CUSTOMERS, N_CUSTOMERS, 0, 0)


@pytest.mark.parametrize("engine", OTHER_ENGINES)
def test_health_findings_are_the_same(outcome, engine):
    assert outcome(engine)["health"] == outcome("duckdb")["health"]


@pytest.mark.parametrize("engine", OTHER_ENGINES)
def test_feature_tables_are_equal_within_floating_point_tolerance(outcome, engine):
    got, expected = outcome(engine)["features"], outcome("duckdb")["features"]
    assert sorted(got.columns) == sorted(expected.columns)
    pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("engine", ("duckdb", *OTHER_ENGINES))
def test_the_engine_assigns_exactly_as_the_model_predicts(outcome, engine):
    """One model fitted in memory; every engine's nearest-centre expression gives predict()'s labels."""
    features = outcome("duckdb")["features"]
    model = BehaviouralSegmenter(k_max=4, random_state=0).fit(features)
    o = outcome(engine)
    with Store.open(o["workspace"], o["settings"]) as store:
        t = store.table(FEATURES)
        got = t.select("customer_id", segment_id=model.assign_expression(t)).execute()
    got = got.sort_values("customer_id").reset_index(drop=True)
    assert got.customer_id.tolist() == features.customer_id.tolist()
    assert got.segment_id.tolist() == model.predict(features).tolist()
    assert got.segment_id.nunique() == model.n_clusters_


@pytest.mark.parametrize("engine", OTHER_ENGINES)
def test_segments_and_export_are_identical(outcome, engine):
    pd.testing.assert_frame_equal(outcome(engine)["assignments"], outcome("duckdb")["assignments"])
    pd.testing.assert_frame_equal(outcome(engine)["export"], outcome("duckdb")["export"])
    assert len(outcome("duckdb")["export"]) == outcome("duckdb")["result"].n_customers


def test_every_rule_segment_gets_customers_on_the_sample(outcome):
    """Not a trivial agreement: on every engine (test above), each rule selects someone."""
    names = outcome("duckdb")["assignments"].query("segmentation == 'campaigns'").segment_name
    assert set(names) == {"Hot browsers", "Pricing lookers", "Big spenders", "Lapsed buyers", "Everyone else"}


def test_spark_tables_are_parquet_that_outlive_the_session(outcome):
    o = outcome("spark")
    parts = sorted((o["workspace"] / "spark" / ASSIGNMENTS).iterdir())
    assert [p.name for p in parts] == ["000001"]
    n = duckdb.sql(f"select count(*) from read_parquet('{parts[0]}/*.parquet')").fetchone()[0]
    assert n == len(o["assignments"])


def test_postgres_tables_are_plain_tables_in_the_database(outcome):
    o = outcome("postgres")
    with psycopg.connect(o["settings"].dsn) as con:
        n = con.execute(f"select count(*) from {ASSIGNMENTS}").fetchone()[0]
        segments = con.execute(f"select count(*) from (select distinct segmentation, segment_id "
                               f"from {ASSIGNMENTS}) s").fetchone()[0]
    assert n == len(o["assignments"])
    assert segments == len(o["assignments"][["segmentation", "segment_id"]].drop_duplicates())


def test_segmentation_model_is_recorded_the_same(outcome):
    models = {}
    for engine in ("duckdb", *OTHER_ENGINES):
        o = outcome(engine)
        with Store.open(o["workspace"], o["settings"]) as store:
            runs = store.table("segmentation_runs").execute().set_index("segmentation")
        models[engine] = {name: json.loads(model) for name, model in runs.model.items()}
    for engine in OTHER_ENGINES:
        assert models[engine].keys() == models["duckdb"].keys() == {s.name for s in DEFAULT_SEGMENTATIONS} | {
            "campaigns"} | {s.name for s in CLUSTERINGS}
        for name in ("lifecycle", "geographic", "technographic", "campaigns"):
            assert models[engine][name] == models["duckdb"][name], name
        value, expected = models[engine]["value"], models["duckdb"]["value"]
        assert value["segment_names"] == expected["segment_names"]
        assert value["thresholds"] == pytest.approx(expected["thresholds"], rel=1e-12)  # sums in another order
    for name in ("behavioural", *(s.name for s in CLUSTERINGS)):
        for engine in OTHER_ENGINES:
            got, expected = models[engine][name], models["duckdb"][name]
            assert got["features"] == expected["features"], name
            assert pd.DataFrame(got["centers"]).round(9).equals(pd.DataFrame(expected["centers"]).round(9)), name


def test_spark_scans_parquet_parts_itself_with_the_same_rows(tmp_path, request):
    """Parquet sources in parts: Spark reads them itself (row numbers from each part's row index and
    the parts' footers) and loads and quarantines exactly the rows DuckDB does, numbered alike."""
    write_sample_chunked(450, tmp_path / "in", tmp_path / "truth", chunk_customers=200, seed=3)
    assert len(list((tmp_path / "in" / "events").glob("*.parquet"))) == 3
    loaded = {}
    for engine in ("duckdb", "spark"):
        settings = settings_for(engine, request)
        with Store.open(tmp_path / f"ws-{engine}", settings) as store:
            report = ingest(store, tmp_path / "in")
            events = store.table("events").select("message_id", "timestamp", "customer_id", "_source_row")
            q = store.table(QUARANTINE).select("table", "source_row", "reason", "column", "value", "row")
            loaded[engine] = {
                "counts": {t: (c.read, c.loaded, c.duplicates, c.quarantined) for t, c in report.tables.items()},
                "events": events.execute().sort_values("_source_row").reset_index(drop=True),
                "quarantine": q.execute().sort_values(["table", "source_row", "reason"]).reset_index(drop=True)}
    duck, spark = loaded["duckdb"], loaded["spark"]
    assert spark["counts"] == duck["counts"]
    assert duck["counts"]["events"][0] == len(duck["events"]) + duck["counts"]["events"][2] + duck["counts"]["events"][3]
    pd.testing.assert_frame_equal(spark["events"], duck["events"], check_dtype=False)
    pd.testing.assert_frame_equal(spark["quarantine"], duck["quarantine"], check_dtype=False)
    # row numbers run on across the parts: the last part's rows are numbered after the first two
    assert duck["events"]._source_row.max() > sum(
        pq.ParquetFile(p).metadata.num_rows for p in sorted((tmp_path / "in" / "events").glob("*.parquet"))[:2])


@pytest.mark.parametrize("engine", ("duckdb", "spark"))
def test_padded_text_is_trimmed_and_blank_text_is_missing(tmp_path, request, engine):
    """Spaces, tabs, line breaks and no-break spaces around a value are cut, inside it kept; a value of
    only whitespace is missing.  Spark trims Parquet it scans itself; the others trim in DuckDB's reader."""
    (tmp_path / "in").mkdir()
    pd.DataFrame({"transaction_id": [" T1", "T2\t", "\nT3\r\n", "\u00a0T4", "T 5", " \t"],
                  "customer_id": "C1", "timestamp": "2026-01-01T10:00:00+07:00", "amount": "1",
                  "currency": ["IDR", "  idr ", "IDR", "IDR", "IDR", "IDR"]}).to_parquet(tmp_path / "in" / "transactions.parquet")
    with Store.open(tmp_path / "ws", settings_for(engine, request)) as store:
        report = ingest(store, tmp_path / "in")
        loaded = store.table("transactions").order_by("_source_row").execute()
        q = store.table(QUARANTINE).execute()
    # Ibis's strip cuts ASCII whitespace; a no-break space is found but kept (it is no ASCII space)
    assert loaded.transaction_id.tolist() == ["T1", "T2", "T3", "\u00a0T4", "T 5"]
    assert loaded.currency.tolist() == ["IDR"] * 5
    assert (report.tables["transactions"].loaded, q[["source_row", "reason", "column"]].values.tolist()) == (
        5, [[6, "missing_value", "transaction_id"]])


@pytest.mark.parametrize("where", ["footer", "data_page"])
@pytest.mark.parametrize("engine", OTHER_ENGINES)
def test_broken_parquet_is_named_on_every_engine(tmp_path, request, engine, where):
    path = write_broken_parquet(tmp_path / "in", where)
    with Store.open(tmp_path / "ws", settings_for(engine, request)) as store:
        before = store.count("events")  # the PostgreSQL test database is shared by the module
        with pytest.raises(SourceError) as exc:
            ingest(store, tmp_path / "in")
        assert store.count("events") == before
    assert str(exc.value).startswith(f"{path}: cannot be read: ")
    assert str(exc.value).endswith("- expected a valid PARQUET file")
    assert "\n" not in str(exc.value)

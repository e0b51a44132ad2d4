"""Demographic groups: protected attributes describe customers, opt-in, and never leave the workspace."""

from __future__ import annotations

import pandas as pd
import pytest

from kenal.activation import export_segments
from kenal.config import Settings
from kenal.errors import WorkspaceError
from kenal.outputs import ASSIGNMENTS, FEATURES
from kenal.pipeline import run
from kenal.sample import generate_sample, write_sample
from kenal.segmentations.spec import DEFAULT_SEGMENTATIONS, spec
from kenal.store import Store


def test_demographic_groups_are_opt_in():
    assert "demographic" not in {s.kind for s in DEFAULT_SEGMENTATIONS}


@pytest.fixture(scope="module")
def demographic_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("demographic")
    data = generate_sample(n_customers=2_000, seed=5, defects=False)
    write_sample(data, root / "input", root / "truth")
    settings = Settings(seed=5, segmentations=(spec("ages", "demographic", bands=[30, 50]),
                                               spec("genders", "demographic", attribute="gender"),
                                               spec("value", "value")))
    result = run(root / "ws", settings, input_dir=root / "input")
    with Store.open(root / "ws", settings) as store:
        yield root, data, result, store


def test_age_bands_follow_the_birth_year_of_every_profiled_customer(demographic_run):
    _, data, result, store = demographic_run
    sid = result.snapshot.snapshot_id
    a = store.table(ASSIGNMENTS).filter(lambda t: (t.snapshot_id == sid) & (t.segmentation == "ages")).execute()
    profiled = store.table(FEATURES).filter(lambda t: t.snapshot_id == sid).execute().customer_id
    assert sorted(a.customer_id) == sorted(profiled)  # consent holds here too
    born = data.tables["customers"].set_index("customer_id").birth_year.loc[a.customer_id]
    age = result.snapshot.as_of.year - born.to_numpy()
    expected = pd.cut(age, [-1, 29, 49, 200], labels=["Under 30", "30-49", "50 and over"]).astype(str)
    assert a.segment_name.tolist() == list(expected)
    ages = next(g for g in result.segmentations if g.name == "ages")
    assert ages.reason == (f"Customers by age on {result.snapshot.as_of.year} (from the birth year). Descriptive only: "
                           "age is a protected attribute, so these groups never feed a model and are not exported "
                           "for targeting.")


def test_gender_groups_and_no_protected_attribute_in_the_features(demographic_run):
    _, data, result, store = demographic_run
    genders = next(g for g in result.segmentations if g.name == "genders")
    sid = result.snapshot.snapshot_id
    a = store.table(ASSIGNMENTS).filter(lambda t: (t.snapshot_id == sid) & (t.segmentation == "genders")).execute()
    truth = data.tables["customers"].set_index("customer_id").gender.loc[a.customer_id]
    assert (a.segment_name.to_numpy() == truth.to_numpy()).all()
    assert {s.name for s in genders.segments} == {"female", "male"}
    columns = store.table(FEATURES).columns
    assert "gender" not in columns and "birth_year" not in columns


def test_a_demographic_segmentation_is_not_exported(demographic_run, tmp_path):
    _, _, _, store = demographic_run
    with pytest.raises(WorkspaceError) as error:
        export_segments(store, tmp_path / "ages.csv", segmentation="ages")
    assert str(error.value) == ("segmentation 'ages' groups customers by a protected attribute; it describes "
                                "customers in the report and is not exported for targeting")
    assert not (tmp_path / "ages.csv").exists()
    assert export_segments(store, tmp_path / "value.csv", segmentation="value") > 0

"""kenal.toml: settings and the [segmentations.NAME] tables, with a clear error for every mistake."""

from __future__ import annotations

import pytest

from kenal.config import Settings, load_settings
from kenal.errors import ConfigError
from kenal.segmentations.spec import DEFAULT_SEGMENTATIONS, KINDS, spec


def write(tmp_path, text: str):
    (tmp_path / "kenal.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_settings_written_by_a_run_read_back_the_same(tmp_path):
    settings = Settings(seed=3, segmentations=(spec("vip", "value", tiers=[0.05, 0.15]),
                                               spec("stages", "lifecycle"),
                                               spec("places", "geographic", level="city", min_share=0.02)))
    assert load_settings(write(tmp_path, settings.to_toml())) == settings


def test_segmentations_come_in_file_order_with_defaults_filled_in(tmp_path):
    ws = write(tmp_path, '[segmentations.places]\nkind = "geographic"\n\n'
                         '[segmentations.behaviour]\nkind = "clustering"\nauto = false\n')
    got = load_settings(ws).segmentations
    assert [(s.name, s.kind, s.options) for s in got] == [
        ("places", "geographic", {"level": "region", "min_share": 0.01}),
        ("behaviour", "clustering", {"method": "kmeans", "auto": False, "features": "lifetime", "refit_days": 30, "max_psi": 0.25,
                                     "hysteresis": 0.2, "stable_ids": True})]


def test_without_segmentations_in_the_file_every_default_runs(tmp_path):
    assert load_settings(write(tmp_path, "seed = 1\n")).segmentations == DEFAULT_SEGMENTATIONS
    assert [s.name for s in DEFAULT_SEGMENTATIONS] == ["behavioural", "rfm", "lifecycle", "value", "geographic",
                                                       "technographic"]


@pytest.mark.parametrize("text, message", [
    ('[segmentations.vip]\nkind = "loyalty"\n',
     f"[segmentations.vip]: kind 'loyalty' is not known; expected one of {', '.join(KINDS)}"),
    ('[segmentations.vip]\ntiers = [0.1]\n',
     f"[segmentations.vip] needs a kind; expected one of {', '.join(KINDS)}"),
    ('[segmentations.vip]\nkind = "value"\ntier = [0.1]\n',
     "[segmentations.vip]: unknown option(s) tier for kind 'value'; known: tiers"),
    ('[segmentations.vip]\nkind = "value"\ntiers = [0.5, 0.6]\n',
     "[segmentations.vip]: tiers = [0.5, 0.6] is not a list of shares of customers from the top, each above 0, "
     "summing to less than 1"),
    ('[segmentations.rfm]\nkind = "rfm"\nbins = "5"\n',
     "[segmentations.rfm]: bins = '5' is not a whole number from 3 to 10"),
    ('[segmentations.b]\nkind = "clustering"\nauto = "yes"\n',
     "[segmentations.b]: auto = 'yes' is not true or false"),
    ('[segmentations.b]\nkind = "clustering"\nmethod = "dbscan"\n',
     "[segmentations.b]: method = 'dbscan' is not one of 'kmeans', 'gmm', 'hdbscan' or 'kprototypes'"),
    ('[segmentations.stages]\nkind = "lifecycle"\nnew_days = 30\n',
     "[segmentations.stages]: unknown option(s) new_days for kind 'lifecycle'; known: none"),
    ('[segmentations.ages]\nkind = "demographic"\nbands = [30, 20]\n',
     "[segmentations.ages]: bands = [30, 20] is not a list of increasing ages above 0"),
    ('[segmentations.ages]\nkind = "demographic"\nattribute = "religion"\n',
     "[segmentations.ages]: attribute = 'religion' is not 'age' or 'gender'"),
    ('[segmentations.Big-Spenders]\nkind = "value"\n',
     "[segmentations.Big-Spenders]: a segmentation name is lower-case letters, digits and _ (starting with a "
     "letter, at most 40 characters)"),
])
def test_a_wrong_segmentation_table_names_itself_and_what_was_expected(tmp_path, text, message):
    ws = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_settings(ws)
    assert str(error.value) == f"{ws / 'kenal.toml'}: {message}"


def test_the_old_segmentation_setting_says_what_replaced_it(tmp_path):
    ws = write(tmp_path, 'segmentation = "clustering"\n')
    with pytest.raises(ConfigError) as error:
        load_settings(ws)
    assert str(error.value) == (f"{ws / 'kenal.toml'}: the setting 'segmentation' was replaced by "
                                "[segmentations.NAME] tables; to cluster below 10,000 customers, set auto = false "
                                "under [segmentations.behavioural]")

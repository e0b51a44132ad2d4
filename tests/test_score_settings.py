"""The [scores] table of kenal.toml: read, checked with a clear error for every mistake, written back,
and turned into the options of kenal score (whose command-line options win)."""

from __future__ import annotations

import pytest

from kenal.config import ScoreSettings, Settings, load_settings
from kenal.errors import ConfigError
from kenal.scores.scoring import ScoreOptions

KNOWN = "enabled, horizon_days, target_recall, propensities, n_snapshots, calibration, validate"


def write(tmp_path, text: str):
    (tmp_path / "kenal.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_scores_table_is_read_with_defaults_for_what_it_leaves_out(tmp_path):
    ws = write(tmp_path, '[scores]\nenabled = true\nhorizon_days = 60\ntarget_recall = 0.9\n'
                         'propensities = ["Electronics:30", "books"]\n')
    assert load_settings(ws).scores == ScoreSettings(enabled=True, horizon_days=60, target_recall=0.9,
                                                     propensities=("Electronics:30", "books"), n_snapshots=4,
                                                     calibration="sigmoid", validate=True)
    full = write(tmp_path, '[scores]\nenabled = false\nhorizon_days = 30\ntarget_recall = 1\npropensities = []\n'
                           'n_snapshots = 5\ncalibration = "isotonic"\nvalidate = false\n')
    assert load_settings(full).scores == ScoreSettings(False, 30, 1.0, (), 5, "isotonic", False)


def test_without_a_scores_table_scoring_is_off(tmp_path):
    assert load_settings(write(tmp_path, "seed = 1\n")).scores == ScoreSettings()
    assert ScoreSettings().enabled is False


def test_the_written_file_reads_back_the_same(tmp_path):
    settings = Settings(seed=2, scores=ScoreSettings(enabled=True, horizon_days=45, target_recall=0.75,
                                                     propensities=("electronics:30", "books:90"), n_snapshots=3,
                                                     calibration="isotonic", validate=False))
    text = settings.to_toml()
    assert '[scores]\nenabled = true\nhorizon_days = 45\ntarget_recall = 0.75\npropensities = ["electronics:30", ' \
           '"books:90"]\nn_snapshots = 3\ncalibration = "isotonic"\nvalidate = false\n' in text
    assert load_settings(write(tmp_path, text)) == settings
    assert load_settings(write(tmp_path, Settings().to_toml())) == Settings()  # a new workspace's file: off


@pytest.mark.parametrize("text, message", [
    ("enabled = 1", "enabled = 1 is not true or false"),
    ('enabled = "yes"', "enabled = 'yes' is not true or false"),
    ("horizon_days = 0", "horizon_days = 0 is not a whole number of days, at least 1"),
    ("horizon_days = 90.5", "horizon_days = 90.5 is not a whole number of days, at least 1"),
    ('horizon_days = "90"', "horizon_days = '90' is not a whole number of days, at least 1"),
    ("target_recall = 0", "target_recall = 0 is not a share above 0 and at most 1"),
    ("target_recall = 1.5", "target_recall = 1.5 is not a share above 0 and at most 1"),
    ("target_recall = true", "target_recall = True is not a share above 0 and at most 1"),
    ('propensities = "electronics:30"',
     "propensities = 'electronics:30' is not a list of \"category:days\" strings, e.g. [\"electronics:30\"]"),
    ('propensities = ["electronics:0"]',
     "propensities = ['electronics:0'] is not a list of \"category:days\" strings, e.g. [\"electronics:30\"]"),
    ('propensities = ["electronics:thirty"]',
     "propensities = ['electronics:thirty'] is not a list of \"category:days\" strings, e.g. [\"electronics:30\"]"),
    ('propensities = [":30"]', "propensities = [':30'] is not a list of \"category:days\" strings, e.g. [\"electronics:30\"]"),
    ("propensities = [30]", "propensities = [30] is not a list of \"category:days\" strings, e.g. [\"electronics:30\"]"),
    ("n_snapshots = 2", "n_snapshots = 2 is not a whole number, at least 3 (two snapshots to tune on, one to calibrate on)"),
    ('calibration = "platt"', "calibration = 'platt' is not 'sigmoid' or 'isotonic'"),
    ('validate = "no"', "validate = 'no' is not true or false"),
    ("horizon = 90", f"unknown option(s) horizon; known: {KNOWN}"),
    ("enable = true\nrecall = 0.9", f"unknown option(s) enable, recall; known: {KNOWN}"),
])
def test_a_wrong_scores_option_names_the_file_the_option_the_value_and_what_was_expected(tmp_path, text, message):
    ws = write(tmp_path, f"[scores]\n{text}\n")
    with pytest.raises(ConfigError) as error:
        load_settings(ws)
    assert str(error.value) == f"{ws / 'kenal.toml'}: [scores]: {message}"


def test_scores_as_a_plain_setting_is_not_a_table(tmp_path):
    ws = write(tmp_path, "scores = true\n")
    with pytest.raises(ConfigError) as error:
        load_settings(ws)
    assert str(error.value) == (f"{ws / 'kenal.toml'}: scores = True is not a table; expected a [scores] table with "
                                f"options {KNOWN}")


def test_the_settings_become_score_options_and_command_line_options_win():
    scores = ScoreSettings(enabled=True, horizon_days=60, target_recall=0.9, propensities=("Electronics:30", "books"),
                           n_snapshots=5, calibration="isotonic", validate=False)
    assert ScoreOptions.from_settings(scores) == ScoreOptions(
        horizon_days=60, target_recall=0.9, propensities=(("electronics", 30), ("books", 30)), n_snapshots=5,
        calibration="isotonic", validate=False)
    assert ScoreOptions.from_settings(ScoreSettings()) == ScoreOptions()
    # None means "not given on the command line": the file decides
    overridden = ScoreOptions.from_settings(scores, horizon_days=30, target_recall=None, validate=True,
                                            propensities=["toys:14"])
    assert (overridden.horizon_days, overridden.target_recall, overridden.validate, overridden.propensities,
            overridden.calibration) == (30, 0.9, True, (("toys", 14),), "isotonic")
    with pytest.raises(ConfigError) as error:
        ScoreOptions.from_settings(scores, target_recall=1.5)
    assert str(error.value) == "--target-recall 1.5 must be above 0 and at most 1"

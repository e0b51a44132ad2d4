"""python -m kenal.sample writes DIR/input and DIR/truth."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from kenal.errors import ConfigError
from kenal.sample import generate_sample, write_sample
from kenal.sample.__main__ import main


def test_cli_csv_no_defects(tmp_path, capsys):
    assert main(["--customers", "200", "--seed", "3", "--out", str(tmp_path), "--format", "csv",
                 "--no-defects"]) == 0
    assert "customers 200" in capsys.readouterr().out
    assert json.loads((tmp_path / "truth" / "defects.json").read_text()) == dict.fromkeys(
        generate_sample(50, seed=0).defects, 0)
    customers = pd.read_csv(tmp_path / "input" / "customers.csv")
    assert len(customers) == 200 and customers["income"].notna().all()


def test_cli_module_parquet(tmp_path):
    out = subprocess.run([sys.executable, "-m", "kenal.sample", "--customers", "150", "--out",
                          str(tmp_path)], capture_output=True, text=True, check=True)
    assert "wrote" in out.stdout
    events = pd.read_parquet(tmp_path / "input" / "events.parquet")
    truth = json.loads((tmp_path / "truth" / "defects.json").read_text())
    bots = events["user_agent"].str.contains("bot|curl|python|Scrapy|Headless|Go-http")
    assert truth["bot_events"] == bots.sum()


def test_cli_reports_bad_input(tmp_path, capsys):
    assert main(["--customers", "0", "--out", str(tmp_path)]) == 2
    assert "n_customers" in capsys.readouterr().err


def test_bad_arguments_raise_config_errors(tmp_path):
    with pytest.raises(ConfigError):
        generate_sample(10, cutoff="30/06/2026")
    with pytest.raises(ConfigError):
        write_sample(generate_sample(20), tmp_path / "i", tmp_path / "t", fmt="xlsx")

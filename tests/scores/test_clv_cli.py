"""kenal clv fit: JSON on a CDNOW summary; bad files as one line and exit code 2.

Each ``kenal`` subprocess costs ~3-5 s of imports, so the CLI runs once per kind of outcome and the
other cases call what it calls (``fit_summary``; the CLI prints ``error: <message>``)."""

from __future__ import annotations

import json

import pytest

from kenal.errors import SourceError
from kenal.scores.clv import fit_summary
from tests.cli.test_errors import assert_one_line_error, kenal
from tests.conftest import write_csv
from tests.scores.conftest import DATA


@pytest.mark.parametrize("model,file,expected,ll", [
    ("bgnbd", "cdnow_customers_summary.csv", {"r": 0.243, "alpha": 4.41, "a": 0.793, "b": 2.43}, -9582.4),
    ("paretonbd", "cdnow_customers_summary.csv", {"r": 0.553, "alpha": 10.6, "s": 0.606, "beta": 11.7}, -9595.0),
    ("gammagamma", "cdnow_customers_summary_with_transactions.csv", {"p": 6.25, "q": 3.74, "gamma": 15.4}, -4055.9),
])
def test_clv_fit_prints_the_estimates_as_json(model, file, expected, ll):
    if model == "bgnbd":
        result = kenal("clv", "fit", "--input", str(DATA / file), "--model", model)
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
    else:
        out = json.loads(json.dumps(fit_summary(DATA / file, model)))
    assert out["model"] == model and out["n_rows"] == 2357
    assert out["n_customers"] == (946 if model == "gammagamma" else 2357)
    assert {k: float(f"{v:.3g}") for k, v in out["params"].items()} == expected
    assert set(out["standard_errors"]) == set(expected) and all(v > 0 for v in out["standard_errors"].values())
    assert round(out["log_likelihood"], 1) == ll


def rows(path, header, body):
    return write_csv(path.parent, path.stem, header, body)


@pytest.mark.parametrize("header,body,model,expected", [
    (["frequency", "recency"], [[1, 2]], "bgnbd",
     "column 'T' is missing - expected the columns frequency, recency, T; found frequency, recency"),
    (["frequency", "recency", "T"], [[1, 2, 5], [-1, 0, 3]], "bgnbd",
     "column 'frequency' is negative in row 2 (example: -1) - expected a value >= 0"),
    (["frequency", "recency", "T"], [[2, 6.5, 5]], "paretonbd",
     "column 'recency' is greater than T (5) in row 1 (example: 6.5) - expected recency <= T "
     "(the last purchase falls within the customer's age)"),
    (["frequency", "recency", "T"], [[0, 1, 5]], "bgnbd",
     "column 'recency' is above 0 for a customer with frequency 0 in row 1 (example: 1) - expected recency 0 "
     "when there is no repeat purchase (recency is the time from the first to the last purchase)"),
    (["frequency", "recency", "T"], [[1, "2 weeks", 5]], "bgnbd",
     "column 'recency' is not a number in row 1 (example: '2 weeks') - expected a number"),
    (["frequency", "recency", "T"], [[1, "", 5]], "bgnbd",
     "column 'recency' is empty in row 1 - expected a number in every row"),
    (["frequency", "monetary_value"], [[2, 0], [0, 0]], "gammagamma",
     "column 'monetary_value' is not positive in row 1, a customer with repeat purchases (example: 0) - expected "
     "the average value of the customer's repeat purchases, > 0"),
])
def test_bad_summary_files(tmp_path, header, body, model, expected):
    path = rows(tmp_path / "summary.csv", header, body)
    with pytest.raises(SourceError) as caught:
        fit_summary(path, model)
    assert str(caught.value) == f"{path}: {expected}"


def test_a_bad_file_is_one_line_from_the_cli(tmp_path):
    path = rows(tmp_path / "summary.csv", ["frequency", "recency", "T"], [[1, 2, 5], [-1, 0, 3]])
    assert_one_line_error(kenal("clv", "fit", "--input", str(path), "--model", "bgnbd"),
                          f"{path}: column 'frequency' is negative in row 2 (example: -1) - expected a value >= 0")


def test_missing_file_and_unknown_model(tmp_path):
    assert_one_line_error(kenal("clv", "fit", "--input", str(tmp_path / "no.csv"), "--model", "bgnbd"),
                          f"{tmp_path / 'no.csv'}: does not exist - expected a CSV or Parquet file with one row "
                          "per customer")
    assert_one_line_error(kenal("clv", "fit", "--input", str(DATA / "cdnow_customers_summary.csv"), "--model", "bg"),
                          "--model 'bg' is not a model; expected bgnbd, paretonbd or gammagamma")

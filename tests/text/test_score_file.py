from __future__ import annotations

import pandas as pd
import pytest

from kenal.errors import KenalError
from kenal.text.score_file import score_file
from tests.cli.test_errors import assert_one_line_error, kenal

TEXTS = ["Barangnya bagus but delivery lama banget", None, "   ",
         "Kecewa, barang rusak. Mohon dibantu refund, WA 0812-3456-7890", "Mantul bgt 😍",
         "Kapan dikirim?"]


def write(path, frame: pd.DataFrame):
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def test_scores_a_csv_and_keeps_every_row(tmp_path):
    source = write(tmp_path / "in.csv", pd.DataFrame({"id": range(6), "text": TEXTS, "stars": [3, 5, 4, 1, 5, 3]}))
    result = kenal("text", "sentiment", "--input", str(source), "--output", str(tmp_path / "out.csv"))
    assert result.returncode == 0, result.stderr
    assert "Scored 4 of 6 rows" in result.stdout and "2 rows have no text" in result.stdout
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert list(out.columns) == ["id", "text", "stars", "sentiment", "sentiment_score", "language", "aspects",
                                 "aspect_phrases", "complaint", "complaint_phrases", "text_status"]
    assert list(out.id) == list(range(6))
    assert list(out.sentiment) == ["negative", "", "", "negative", "positive", "neutral"]
    assert list(out.text_status) == ["scored", "no_text", "no_text", "scored", "scored", "scored"]
    assert list(out.language) == ["mixed", "other", "other", "id", "id", "id"]
    assert out.aspects[0] == "delivery" and "product_quality" in out.aspects[3]
    assert list(out.complaint) == [False, False, False, True, False, False]
    assert "mohon" in out.complaint_phrases[3]


def test_parquet_and_another_text_column(tmp_path):
    source = write(tmp_path / "in.parquet", pd.DataFrame({"review": ["Sangat puas!", "Jelek banget"]}))
    summary = score_file(source, tmp_path / "out.parquet", text_column="review")
    assert (summary.rows, summary.scored, summary.no_text) == (2, 2, 0)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert list(out.sentiment) == ["positive", "negative"]
    assert out.sentiment_score.between(-1, 1).all()


def test_missing_text_column_is_one_line(tmp_path):
    source = write(tmp_path / "in.csv", pd.DataFrame({"id": [1], "review": ["ok"]}))
    result = kenal("text", "sentiment", "--input", str(source), "--output", str(tmp_path / "out.csv"))
    assert_one_line_error(result, f"{source}: column 'text' is missing - expected a column of texts "
                                  "(choose it with --text-column); found id, review")


def test_bad_files(tmp_path):
    def error(source, output="o.csv") -> str:
        with pytest.raises(KenalError) as caught:
            score_file(source, tmp_path / output)
        return str(caught.value)

    assert error(tmp_path / "nope.csv") == (f"{tmp_path / 'nope.csv'}: does not exist - expected a CSV or "
                                            "Parquet file with a text column")
    source = write(tmp_path / "in.csv", pd.DataFrame({"text": ["ok"], "sentiment": ["positive"]}))
    assert error(source, "o.txt") == f"--output {tmp_path / 'o.txt'}: the file name must end in .csv or .parquet"
    assert error(source) == (f"{source}: already has the column(s) sentiment that the output adds - "
                             "expected an input without them (rename them first)")
    (tmp_path / "latin1.csv").write_bytes("text\nbarang bagus sekali caf\xe9\n".encode("latin-1"))
    assert error(tmp_path / "latin1.csv") == f"{tmp_path / 'latin1.csv'}: is not UTF-8 text - expected a UTF-8 CSV file"

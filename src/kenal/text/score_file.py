"""``kenal text sentiment``: score any CSV or Parquet file of texts.

The output keeps every input row and column, in order, and adds:

- ``sentiment``: positive / neutral / negative; empty (null) when the row has no text;
- ``sentiment_score``: in [-1, 1]; null when the row has no text;
- ``language``: id / en / mixed / other (:func:`kenal.text.language.detect_language`'s rule);
- ``aspects``: the aspects the text is about, ``;``-separated in a fixed order ("delivery;price");
- ``aspect_phrases``: the phrase that named each aspect ("delivery: pengiriman; price: mahal");
- ``complaint``: true / false;
- ``complaint_phrases``: the phrases that made it a complaint, ``;``-separated;
- ``text_status``: ``scored``, or ``no_text`` for a null, empty or blank text.

A row without text is kept, not scored: it has no sentiment rather than a made-up "neutral", so
averages and shares of negative texts count only real texts; the command reports how many.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kenal.errors import ConfigError, SourceError, first_line
from kenal.text.aspects import analyse_texts
from kenal.text.language import detect_languages

OUTPUT_COLUMNS = ("sentiment", "sentiment_score", "language", "aspects", "aspect_phrases",
                  "complaint", "complaint_phrases", "text_status")
FORMATS = (".csv", ".parquet")


@dataclass
class ScoreSummary:
    """What ``kenal text sentiment`` did, for its closing lines."""

    input: str
    output: str
    rows: int
    scored: int
    no_text: int
    by_sentiment: dict[str, int]
    complaints: int

    def lines(self) -> list[str]:
        shares = ", ".join(f"{k} {v:,}" for k, v in self.by_sentiment.items())
        out = [f"Scored {self.scored:,} of {self.rows:,} rows from {self.input}: {shares}; "
               f"complaints {self.complaints:,}."]
        if self.no_text:
            out.append(f"{self.no_text:,} rows have no text: kept with text_status = no_text and "
                       "no sentiment.")
        out.append(f"Wrote {self.rows:,} rows to {self.output}")
        return out


def read_text_file(path: Path, expected: str) -> pd.DataFrame:
    """A CSV (all columns as strings) or Parquet file, or a SourceError saying why it cannot be read
    (``expected``: what the file should be)."""
    if path.suffix.lower() not in FORMATS:
        raise SourceError(str(path), "is neither .csv nor .parquet", expected=expected)
    if not path.is_file():
        raise SourceError(str(path), "does not exist", expected=expected)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                                encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(str(path), "is not UTF-8 text", expected="a UTF-8 CSV file") from None
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's problem
        raise SourceError(str(path), f"cannot be read ({first_line(exc)})", expected=expected) from None
    return frame


def read_texts(path: Path, text_column: str = "text") -> pd.DataFrame:
    """The input file, checked: it exists, is CSV or Parquet, can be read and has the text column."""
    path = Path(path)
    frame = read_text_file(path, "a CSV or Parquet file with a text column")
    if text_column not in frame.columns:
        found = ", ".join(map(str, frame.columns)) or "no columns"
        raise SourceError(str(path), "is missing", column=text_column,
                          expected=f"a column of texts (choose it with --text-column); found {found}")
    clash = [c for c in OUTPUT_COLUMNS if c in frame.columns]
    if clash:
        raise SourceError(str(path), f"already has the column(s) {', '.join(clash)} that the output adds",
                          expected="an input without them (rename them first)")
    return frame


def score_frame(frame: pd.DataFrame, text_column: str = "text", sentiment=None) -> pd.DataFrame:
    """`frame` with the output columns added (see the module docstring).  `sentiment`: a workspace's
    sentiment (:func:`kenal.text.model.active_model`); the lexicon when None."""
    raw = frame[text_column]
    texts = [t if isinstance(t, str) else None for t in raw]
    has_text = np.array([t is not None and t.strip() != "" for t in texts], dtype=bool)
    kept = [t if ok else None for t, ok in zip(texts, has_text)]
    if sentiment is None:
        signals = analyse_texts(kept)
    else:
        from kenal.text.model import analyse

        signals = analyse(kept, sentiment)
    out = frame.copy()
    out["sentiment"] = pd.Series(np.where(has_text, signals.sentiment.label, None), index=frame.index,
                                 dtype=object)
    out["sentiment_score"] = pd.Series(np.where(has_text, signals.sentiment.score.round(4), np.nan),
                                       index=frame.index)
    out["language"] = detect_languages(texts)
    out["aspects"] = [";".join(a) for a in signals.aspects]
    out["aspect_phrases"] = ["; ".join(f"{a}: {p}" for a, p in ph.items()) for ph in signals.aspect_phrases]
    out["complaint"] = signals.complaint & has_text
    out["complaint_phrases"] = [";".join(p) for p in signals.complaint_phrases]
    out["text_status"] = np.where(has_text, "scored", "no_text")
    return out


def score_file(input: Path, output: Path, text_column: str = "text", sentiment=None) -> ScoreSummary:
    """Read `input`, score its texts, write `output` (CSV or Parquet by its suffix); `sentiment` as in
    :func:`score_frame`."""
    output = Path(output)
    if output.suffix.lower() not in FORMATS:
        raise ConfigError(f"--output {output}: the file name must end in .csv or .parquet")
    frame = read_texts(input, text_column)
    out = score_frame(frame, text_column, sentiment)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".parquet":
        out.to_parquet(output, index=False)
    else:
        out.to_csv(output, index=False)
    scored = out["text_status"] == "scored"
    counts = out.loc[scored, "sentiment"].value_counts()
    return ScoreSummary(
        input=str(input), output=str(output), rows=len(out), scored=int(scored.sum()),
        no_text=int((~scored).sum()),
        by_sentiment={k: int(counts.get(k, 0)) for k in ("positive", "neutral", "negative")},
        complaints=int(out["complaint"].sum()))

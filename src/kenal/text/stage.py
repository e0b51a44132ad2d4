"""The text stage of ``kenal run``: every interaction's text scored once, into ``interaction_scores``.

For each interaction up to the snapshot's as-of time that has a text, one row keyed by
``interaction_id``: ``sentiment`` (positive / neutral / negative), ``sentiment_score`` (-1 to 1),
``language``, ``aspects`` (``;``-separated, in :data:`kenal.text.aspects.ASPECTS` order),
``complaint`` and ``complaint_phrases`` (the phrases that made it one), and ``model``: which
sentiment scored it (:func:`kenal.text.model.active_model`).

- **Incremental.**  A text does not change once written, so each run scores only the
  interactions not in the table yet.  When the sentiment in use changes (a new ``kenal text
  train``, or a kenal version with other lexicons), the ``model`` column no longer matches and
  every text is scored again.
- **No text is stored**, raw or cleaned: only what was read from it.  Phrases are the words of
  the keyword tables that matched (``rusak``, ``tolong``), never a name, number or address.
- **Spam is not stored.**  Whether a text is spam depends on the other texts around it (a
  promotion becomes spam when its fifth account posts it), so it is decided as of each snapshot
  by :func:`kenal.text.spam.spam_flags` in the engine, where the features are built.
- Consent is enforced where the feature table is built, as everywhere: texts of customers who
  do not allow profiling are scored here (the service desk reads them) but never reach a feature.

Scoring runs in memory, in batches of :data:`BATCH` texts streamed from the engine; the results
are appended in one write.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import ibis
import pyarrow as pa

from kenal.store import Store
from kenal.text.language import detect_languages
from kenal.text.model import ActiveSentiment, active_model, analyse

log = logging.getLogger(__name__)
INTERACTION_SCORES = "interaction_scores"
BATCH = 100_000
SCHEMA = pa.schema([("interaction_id", pa.string()), ("sentiment", pa.string()), ("sentiment_score", pa.float64()),
                    ("language", pa.string()), ("aspects", pa.string()), ("complaint", pa.bool_()),
                    ("complaint_phrases", pa.string()), ("model", pa.string())])


@dataclass
class TextStageResult:
    scored: int  # texts scored in this run
    stored: int  # rows in interaction_scores after it
    rescored: bool  # the stored rows were made by another sentiment and were all scored again
    sentiment: str  # which sentiment is in use, and how well it scored

    def summary(self) -> str:
        again = " (all again: the sentiment in use changed)" if self.rescored else ""
        return (f"{self.scored:,} new texts scored{again}, {self.stored:,} in interaction_scores; "
                f"sentiment by the {self.sentiment}")

    def to_dict(self) -> dict:
        return {"scored": self.scored, "stored": self.stored, "rescored": self.rescored, "sentiment": self.sentiment}


def score_batch(ids: list[str], texts: list[str | None], sentiment: ActiveSentiment) -> pa.Table:
    """The rows of ``interaction_scores`` for one batch of texts."""
    signals = analyse(texts, sentiment)
    return pa.table({
        "interaction_id": pa.array(ids, pa.string()),
        "sentiment": pa.array(signals.sentiment.label.tolist(), pa.string()),
        "sentiment_score": pa.array(signals.sentiment.score.round(6), pa.float64()),
        "language": pa.array(detect_languages(texts).tolist(), pa.string()),
        "aspects": pa.array([";".join(a) for a in signals.aspects], pa.string()),
        "complaint": pa.array(signals.complaint.tolist(), pa.bool_()),
        "complaint_phrases": pa.array([";".join(p) for p in signals.complaint_phrases], pa.string()),
        "model": pa.array([sentiment.id] * len(ids), pa.string()),
    }, schema=SCHEMA)


def score_interactions(store: Store, as_of: datetime, sentiment: ActiveSentiment | None = None,
                       workspace: Path | None = None) -> TextStageResult | None:
    """Score the texts of the interactions up to ``as_of`` not scored yet (see the module docstring).

    None when the workspace has no interactions or they have no text column."""
    if not store.has("interactions") or "text" not in store.table("interactions").columns:
        return None
    sentiment = sentiment or active_model(workspace if workspace is not None else store.workspace)
    rescored = False
    if store.has(INTERACTION_SCORES):
        stored = store.table(INTERACTION_SCORES)
        if int(stored.filter(stored.model != sentiment.id).count().execute()):
            log.info("the sentiment in use changed to %s: every text is scored again", sentiment.id)
            store.drop(INTERACTION_SCORES)
            rescored = True
    i = store.table("interactions")
    todo = i.filter((i.timestamp <= ibis.literal(as_of)) & i.text.notnull() & (i.text.strip() != ""))
    if store.has(INTERACTION_SCORES):
        todo = todo.anti_join(store.table(INTERACTION_SCORES), "interaction_id")
    parts = []
    with warnings.catch_warnings():  # Ibis 12 streams DuckDB results with a method DuckDB 1.5 deprecates
        warnings.filterwarnings("ignore", "fetch_record_batch", DeprecationWarning)
        for batch in todo.select("interaction_id", "text").to_pyarrow_batches(chunk_size=BATCH):
            if batch.num_rows:
                parts.append(score_batch(batch.column("interaction_id").to_pylist(),
                                         batch.column("text").to_pylist(), sentiment))
    scored = sum(p.num_rows for p in parts)
    if parts:
        store.append(INTERACTION_SCORES, pa.concat_tables(parts))
    elif not store.has(INTERACTION_SCORES):  # an empty table: the features know the texts were read
        store.append(INTERACTION_SCORES, SCHEMA.empty_table())
    return TextStageResult(scored, store.count(INTERACTION_SCORES), rescored, sentiment.description)

"""One run: ingest -> health -> text -> features -> segmentation (-> scores if ``[scores] enabled``), one snapshot."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import ibis

from kenal.config import Settings
from kenal.errors import ConsentError, WorkspaceError
from kenal.features import build_features
from kenal.health import HealthReport, health_summary, save_health
from kenal.ingest import IngestReport, ingest
from kenal.outputs import FEATURES, Snapshot, default_as_of, new_snapshot, replace_rows
from kenal.segmentations.run import SegmentationResult, run_segmentations
from kenal.store import Store
from kenal.temporal.shifts import store_behaviour_shifts
from kenal.text.stage import TextStageResult, score_interactions

if TYPE_CHECKING:  # imported when scoring runs: LightGBM is not needed otherwise
    from kenal.scores.scoring import ScoreResult

log = logging.getLogger(__name__)
HEALTH_FILE = "health.json"


@dataclass
class RunResult:
    snapshot: Snapshot
    health: HealthReport
    ingest: IngestReport | None
    n_customers: int
    segmentations: list[SegmentationResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    scores: ScoreResult | None = None  # when [scores] is enabled and the history suffices
    scores_skipped: str | None = None  # why scoring was enabled but not done (one line)
    text: TextStageResult | None = None  # the texts scored into interaction_scores (None: no interaction texts)

    @property
    def primary(self) -> SegmentationResult | None:
        """The first configured segmentation that ran: the one a summary shows first."""
        return next((s for s in self.segmentations if not s.skipped), None)

    def to_dict(self) -> dict:
        return {
            "snapshot": {"snapshot_id": self.snapshot.snapshot_id, "as_of": self.snapshot.as_of.isoformat(),
                         "created_at": self.snapshot.created_at.isoformat()},
            "n_customers": self.n_customers,
            "ingest": self.ingest.to_dict() if self.ingest else None,
            "health": self.health.to_dict(),
            "segmentations": [s.to_dict() for s in self.segmentations],
            "scores": ({"customers": len(self.scores.table), "scores": list(self.scores.reports)} if self.scores
                       else {"skipped": self.scores_skipped} if self.scores_skipped else None),
            "text": self.text.to_dict() if self.text else None,
            "timings": self.timings,
        }


def write_health(workspace: Path, report: HealthReport) -> Path:
    path = Path(workspace) / HEALTH_FILE
    path.write_text(json.dumps(report.to_dict(), indent=2, default=str), encoding="utf-8")
    return path


@contextmanager
def _timed(name: str, timings: dict[str, float], progress: Callable[[str], None]) -> Iterator[None]:
    progress(name)
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start


def run(workspace: Path, settings: Settings, input_dir: Path | None = None, as_of: datetime | None = None,
        progress: Callable[[str], None] | None = None) -> RunResult:
    """Run the whole flow on a workspace; ``progress(stage)`` is called as each stage starts."""
    timings: dict[str, float] = {}
    stage = partial(_timed, timings=timings, progress=progress or (lambda name: None))
    store = Store.open(workspace, settings)
    try:
        ingest_report = None
        if input_dir is not None:
            with stage("ingest"):
                ingest_report = ingest(store, input_dir)
        as_of = as_of or default_as_of(store)
        with stage("health"):
            health = health_summary(store, settings, as_of=as_of)
        if not store.has("customers"):
            write_health(workspace, save_health(store, health))
            raise WorkspaceError(f"the workspace {workspace} has no customers; run 'kenal ingest --input DIR' "
                                 "or 'kenal run --input DIR' first")
        snapshot = new_snapshot(store, as_of, settings)
        write_health(workspace, save_health(store, health, snapshot.snapshot_id))

        with stage("text"):  # sentiment, aspects and complaints of the texts not scored yet
            text = score_interactions(store, as_of)
        with stage("features"):
            expr = build_features(store, as_of, settings.session_cap_hours).mutate(snapshot_id=ibis.literal(snapshot.snapshot_id))
            replace_rows(store, FEATURES, snapshot.snapshot_id, expr)
            features = store.table(FEATURES).filter(lambda t: t.snapshot_id == snapshot.snapshot_id)
            features = features.drop("snapshot_id").order_by("customer_id").execute()
        if features.empty:
            raise ConsentError("no customer may be profiled: none has a granted 'profiling' consent at "
                               f"{settings.local(as_of):%Y-%m-%d}. Ingest consents.csv, or set consent_default = "
                               "\"grant\" in kenal.toml if consent is collected elsewhere")
        with stage("shifts"):  # customers whose purchase rhythm broke from their own history
            profiled = store.table(FEATURES).filter(lambda t: t.snapshot_id == snapshot.snapshot_id)
            store_behaviour_shifts(store, snapshot.snapshot_id, as_of, profiled.select("customer_id"))
        with stage("segmentation"):
            segmentations = run_segmentations(store, snapshot, features, settings, health)
        result = RunResult(snapshot, health, ingest_report, len(features), segmentations, timings, text=text)
        if settings.scores.enabled:
            with stage("scores"):
                result.scores, result.scores_skipped = _score(store, snapshot, settings)
        return result
    finally:
        store.close()


def _score(store: Store, snapshot: Snapshot, settings: Settings) -> tuple[ScoreResult | None, str | None]:
    """The snapshot's scores, stored; or, when the data cannot train them (too short a history, one
    outcome for everyone), why not: the run goes on without them."""
    from kenal.scores.scoring import ScoreOptions, score_snapshot

    try:
        return score_snapshot(store, settings, snapshot, ScoreOptions.from_settings(settings.scores)), None
    except WorkspaceError as exc:
        log.info("no scores: %s", exc)
        return None, str(exc)

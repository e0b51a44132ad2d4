"""One run: ingest -> health -> features -> segmentation, stored as a snapshot."""

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

import ibis
import pandas as pd

from kenal.config import Settings
from kenal.errors import ConsentError, WorkspaceError
from kenal.features import build_features
from kenal.health import HealthReport, health_summary, save_health
from kenal.ingest import IngestReport, ingest
from kenal.models import BehaviouralSegmenter, RFMSegmenter, SegmentProfile, describe_rfm, describe_segments
from kenal.outputs import (ASSIGNMENTS, DEFAULT_SEGMENTATION, FEATURES, SEGMENTATION_RUNS, SEGMENTS, Snapshot,
                           default_as_of, new_snapshot, replace_rows)
from kenal.store import Store

log = logging.getLogger(__name__)
HEALTH_FILE = "health.json"
FIT_SAMPLE = 200_000  # customers a clustering is fitted on, at most


@dataclass
class RunResult:
    snapshot: Snapshot
    health: HealthReport
    ingest: IngestReport | None
    n_customers: int
    segments: list[SegmentProfile] = field(default_factory=list)
    criteria: pd.DataFrame | None = None
    choice_reason: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "snapshot": {"snapshot_id": self.snapshot.snapshot_id, "as_of": self.snapshot.as_of.isoformat(),
                         "created_at": self.snapshot.created_at.isoformat()},
            "n_customers": self.n_customers,
            "ingest": self.ingest.to_dict() if self.ingest else None,
            "health": self.health.to_dict(),
            "segmentation": {"choice_reason": self.choice_reason,
                             "criteria": [] if self.criteria is None else self.criteria.to_dict("records"),
                             "segments": [s.to_dict() for s in self.segments]},
            "timings": self.timings,
        }


def write_health(workspace: Path, report: HealthReport) -> Path:
    path = Path(workspace) / HEALTH_FILE
    path.write_text(json.dumps(report.to_dict(), indent=2, default=str), encoding="utf-8")
    return path


def choose_method(settings: Settings, health: HealthReport) -> str:
    """The segmentation to run: the setting, or with "auto" what the health report recommends."""
    return health.recommended_segmentation if settings.segmentation == "auto" else settings.segmentation


def _fit(method: str, features: pd.DataFrame, settings: Settings, health: HealthReport):
    """The fitted model, the reason for the choice and the criteria table."""
    if method == "rules":
        # A negative "purchase" (a refund booked as a purchase: see the health report) is no revenue.
        model = RFMSegmenter().fit(_no_negative_revenue(features))
        why = "; ".join(c.message for c in health.checks if c.id in ("few_customers", "no_recent_data"))
        reason = (f"Rule-based RFM segments: {why}." if why and settings.segmentation == "auto"
                  else "Rule-based RFM segments, as set in kenal.toml.")
        return model, reason, None
    if len(features) > FIT_SAMPLE:  # centres settle long before a million rows; the engine assigns everyone
        features = features.sample(n=FIT_SAMPLE, random_state=settings.seed)
    model = BehaviouralSegmenter(k_max=settings.max_segments, random_state=settings.seed).fit(features)
    return model, model.choice_reason_, model.criteria_


def _no_negative_revenue(features: pd.DataFrame) -> pd.DataFrame:
    return features.assign(monetary=features.monetary.clip(lower=0))


def _model_json(method: str, model) -> str:
    if method == "rules":
        return json.dumps({"n_bins": model.n_bins, "segment_names": model.segment_names_})
    return json.dumps({"features": list(model.feature_names_in_), "centers": model.cluster_centers_.tolist(),
                       "mean": model.mean_.tolist(), "scale": model.scale_.tolist(),
                       "lower": model.lower_.tolist(), "upper": model.upper_.tolist(),
                       "weights": model.weights_.tolist(), "log_columns": model.log_columns_})


def segment(store: Store, snapshot: Snapshot, features: pd.DataFrame, settings: Settings, health: HealthReport):
    method = choose_method(settings, health)
    model, reason, criteria = _fit(method, features, settings, health)
    sid = snapshot.snapshot_id
    if method == "rules":  # scored in memory: its quantiles are over all buyers at once
        assignments = ibis.memtable(pd.DataFrame({"customer_id": features.customer_id.to_numpy(),
                                                  "segment_id": model.labels_.astype("int64")}))
        profiles = describe_rfm(_no_negative_revenue(features), model)
    else:  # the engine assigns every customer to the nearest centre; no customer passes through Python
        f = store.table(FEATURES).filter(lambda t: t.snapshot_id == sid)
        assignments = store.materialise(f.select("customer_id", segment_id=model.assign_expression(f)))
        # ``features`` came out of the same engine in the same order.
        labels = assignments.order_by("customer_id").segment_id.execute().to_numpy()
        profiles = describe_segments(features, labels, model)
    names = {p.segment_id: p.name for p in profiles}
    segment_name = ibis.cases(*[(assignments.segment_id == k, name) for k, name in names.items()],
                              else_=ibis.null("string"))
    replace_rows(store, ASSIGNMENTS, sid, assignments.select(
        snapshot_id=ibis.literal(sid), segmentation=ibis.literal(DEFAULT_SEGMENTATION),
        customer_id=assignments.customer_id, segment_id=assignments.segment_id.cast("int64"),
        segment_name=segment_name))
    replace_rows(store, SEGMENTS, sid, pd.DataFrame([{
        "snapshot_id": sid, "segmentation": DEFAULT_SEGMENTATION, "segment_id": p.segment_id, "name": p.name,
        "size": p.size, "share": p.share, "revenue_share": p.revenue_share,
        "profile": json.dumps(p.to_dict(), default=float)} for p in profiles]))
    replace_rows(store, SEGMENTATION_RUNS, sid, pd.DataFrame([{
        "snapshot_id": sid, "segmentation": DEFAULT_SEGMENTATION,
        "method": "rfm" if method == "rules" else "kmeans", "k": len(profiles), "choice_reason": reason,
        "criteria": "[]" if criteria is None else criteria.to_json(orient="records"),
        "model": _model_json(method, model)}]))
    return profiles, reason, criteria


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

        with stage("features"):
            expr = build_features(store, as_of, settings.session_cap_hours).mutate(snapshot_id=ibis.literal(snapshot.snapshot_id))
            replace_rows(store, FEATURES, snapshot.snapshot_id, expr)
            features = store.table(FEATURES).filter(lambda t: t.snapshot_id == snapshot.snapshot_id)
            features = features.drop("snapshot_id").order_by("customer_id").execute()
        if features.empty:
            raise ConsentError("no customer may be profiled: none has a granted 'profiling' consent at "
                               f"{settings.local(as_of):%Y-%m-%d}. Ingest consents.csv, or set consent_default = "
                               "\"grant\" in kenal.toml if consent is collected elsewhere")
        with stage("segmentation"):
            profiles, reason, criteria = segment(store, snapshot, features, settings, health)
        return RunResult(snapshot, health, ingest_report, len(features), profiles, criteria, reason, timings)
    finally:
        store.close()

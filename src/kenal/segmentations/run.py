"""Every configured segmentation of one snapshot: fitted in memory on the feature table, assigned
by the engine, described, and stored in ``segment_assignments``, ``segments`` and
``segmentation_runs`` under the segmentation's name."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from kenal.config import Settings
from kenal.features.consent import reachable
from kenal.health import HealthReport
from kenal.models import (AgeBands, CategoryGroups, LifecycleSegmenter, RFMSegmenter, SegmentProfile, ValueTiers,
                          describe_groups, describe_rfm, describe_segments, segmenter)
from kenal.outputs import ASSIGNMENTS, FEATURES, SEGMENTATION_RUNS, SEGMENTS, Snapshot, replace_rows
from kenal.rules import RuleSegments
from kenal.segmentations.explain import Explanation, explain
from kenal.segmentations.learnt import fit_learnt, learnt_reason, learnt_record
from kenal.segmentations.spec import SegmentationSpec
from kenal.store import Store

FIT_SAMPLE = 200_000  # customers a clustering is fitted on, at most
PLATFORMS = {"android_app": "Android app", "ios_app": "iOS app", "other_app": "Other app",
             "mobile_web": "Mobile web", "desktop_web": "Desktop web"}


@dataclass
class SegmentationResult:
    name: str
    kind: str
    method: str
    reason: str
    segments: list[SegmentProfile] = field(default_factory=list)
    criteria: pd.DataFrame | None = None
    model: dict = field(default_factory=dict)  # what assigns a customer, as stored in segmentation_runs
    explanation: Explanation = field(default_factory=Explanation)  # rules' fidelity, warnings, projection
    metrics: pd.DataFrame | None = None  # learnt: precision, recall, F1 and support per label, out of fold

    @property
    def skipped(self) -> bool:
        return not self.segments

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "method": self.method, "reason": self.reason,
                "criteria": [] if self.criteria is None else self.criteria.to_dict("records"),
                "rules_summary": self.explanation.rules_summary, "fidelity": self.explanation.fidelity,
                "warnings": self.explanation.warnings, "segments": [s.to_dict() for s in self.segments],
                "metrics": [] if self.metrics is None else self.metrics.to_dict("records")}


def _no_negative_revenue(features: pd.DataFrame) -> pd.DataFrame:
    # A negative "purchase" (a refund booked as a purchase: see the health report) is no revenue.
    return features.assign(monetary=features.monetary.clip(lower=0))


def _insufficient(health: HealthReport) -> str:
    """Why the health report advises against clustering, or "" when it does not."""
    if health.recommended_segmentation != "rules":
        return ""
    return "; ".join(c.message for c in health.checks if c.id in ("few_customers", "no_recent_data")) or \
        "the health report advises rule-based segments"


def _fit(spec: SegmentationSpec, features: pd.DataFrame, settings: Settings, workspace: Path | None = None):
    seed = settings.seed
    if spec.kind == "learnt":  # its labels file is read from the workspace
        return fit_learnt(spec, features, workspace, seed)
    if spec.kind == "clustering":
        sample = features.sample(n=FIT_SAMPLE, random_state=seed) if len(features) > FIT_SAMPLE else features
        return segmenter(spec["method"], k_max=settings.max_segments, random_state=seed).fit(sample)
    if spec.kind == "rfm":
        return RFMSegmenter(n_bins=spec["bins"]).fit(_no_negative_revenue(features))
    if spec.kind == "lifecycle":
        return LifecycleSegmenter().fit(features)
    if spec.kind == "value":
        return ValueTiers(tuple(spec["tiers"])).fit(_no_negative_revenue(features))
    if spec.kind == "geographic":
        return CategoryGroups(spec["level"], min_share=spec["min_share"]).fit(features)
    if spec.kind == "rules":
        return RuleSegments(spec["segments"], spec["default"], where=f"[segmentations.{spec.name}]").fit(features)
    # technographic: fixed groups, so an id means the same platform in every snapshot
    return CategoryGroups("main_platform", missing="No web or app activity", labels=PLATFORMS,
                          values=tuple(PLATFORMS)).fit(features)


def _with_protected(store: Store, table: ir.Table) -> ir.Table:
    """The snapshot's customers with their protected attributes, read here only: a demographic
    grouping describes customers; it never feeds a model and is never exported (DESIGN rule 3)."""
    customers = store.table("customers").select("customer_id", "birth_year", "gender")
    return table.select("customer_id").left_join(customers, "customer_id").drop("customer_id_right")


def _fit_demographic(spec: SegmentationSpec, attributes: ir.Table, as_of) -> AgeBands | CategoryGroups:
    if spec["attribute"] == "age":
        return AgeBands(as_of.year, tuple(spec["bands"])).fit()
    return CategoryGroups("gender").fit(attributes.select("gender").execute())


def _reason(spec: SegmentationSpec, model) -> str:
    if spec.kind == "clustering":
        return model.choice_reason_
    if spec.kind == "learnt":
        return learnt_reason(model)
    if spec.kind == "rfm":
        return (f"RFM: recency, frequency and monetary scored 1-{model.n_bins} by quantile among buyers, "
                "named by the classic RFM map.")
    if spec.kind == "lifecycle":
        return (f"Lifecycle stages from each customer's own purchase rhythm; the business's typical gap between "
                f"purchases is {model.typical_gap_days_:.0f} days, so 'new' means a first purchase within "
                f"{model.new_days_:.0f} days.")
    if spec.kind == "value":
        return (f"Value tiers of buyers ranked by revenue ({', '.join(model.segment_names_[:-1])}); customers "
                "without revenue form their own tier.")
    if spec.kind == "geographic":
        return (f"Customers by {spec['level']}; places with fewer than {spec['min_share']:.0%} of customers are "
                "grouped as Other.")
    if spec.kind == "demographic":
        what = f"age on {model.year} (from the birth year)" if spec["attribute"] == "age" else "gender"
        return (f"Customers by {what}. Descriptive only: {spec['attribute']} is a protected attribute, so these "
                "groups never feed a model and are not exported for targeting.")
    if spec.kind == "rules":
        return (f"Rules written in kenal.toml: a customer gets the first of {len(model.rules_)} segments whose "
                f"rule holds; the rest are {model.default}.")
    return "Customers by the platform of most of their web and app sessions (from the user agent)."


def _model_record(spec: SegmentationSpec, model) -> dict:
    if spec.kind == "clustering":
        return model.record()
    if spec.kind == "learnt":
        return learnt_record(model)
    if spec.kind == "rfm":
        params = {"n_bins": model.n_bins}
    elif spec.kind == "lifecycle":
        params = {"typical_gap_days": model.typical_gap_days_, "new_days": model.new_days_}
    elif spec.kind == "value":
        params = {"thresholds": model.thresholds_}
    elif spec.kind == "rules":
        params = {"segments": list(model.segments), "default": model.default}
    elif isinstance(model, AgeBands):
        params = {"year": model.year, "edges": list(model.edges)}
    else:
        params = {"groups": list(model.groups_)}
    return {**params, "segment_names": model.segment_names_}


def run_segmentations(store: Store, snapshot: Snapshot, features: pd.DataFrame, settings: Settings,
                      health: HealthReport) -> list[SegmentationResult]:
    """Fit, assign, describe and store every configured segmentation of ``snapshot``.

    ``features`` is the snapshot's feature table in memory, ordered by customer_id (for a very
    large table, the engine still assigns every customer: only fitting uses the frame).
    """
    sid = snapshot.snapshot_id
    table = store.table(FEATURES).filter(lambda t: t.snapshot_id == sid)
    results, assignments = [], []
    contactable = features.customer_id.isin(reachable(store, ibis.literal(snapshot.as_of)).execute().customer_id)
    cached = []  # a materialised table lives as long as its expression: keep them until they are stored
    for spec in settings.segmentations:
        method = spec["method"] if spec.kind == "clustering" else spec.kind
        why_not = _insufficient(health) if spec.kind == "clustering" and spec["auto"] else ""
        if why_not:
            results.append(SegmentationResult(spec.name, spec.kind, method, reason=(
                f"Not run: {why_not}. To cluster anyway, set auto = false under [segmentations.{spec.name}] "
                "in kenal.toml.")))
            continue
        source = _with_protected(store, table) if spec.kind == "demographic" else table
        model = (_fit_demographic(spec, source, snapshot.as_of) if spec.kind == "demographic"
                 else _fit(spec, features, settings, store.workspace))
        if spec.kind == "rules":  # what the rules' functions count in their windows, per customer
            source = model.with_windows(store, snapshot.as_of, table)
        # Scored in memory: RFM's quantiles are over all buyers at once; a learnt model's hundreds of
        # boosted trees would compile to an unwieldy SQL expression, so its predictions (made on the
        # frame of every customer) are sent back instead of the model being pushed to the engine.
        if spec.kind in ("rfm", "learnt"):
            assigned = ibis.memtable(pd.DataFrame({"customer_id": features.customer_id.to_numpy(),
                                                   "segment_id": model.labels_.astype("int64")}))
            labels = model.labels_
        else:  # the engine assigns every customer; no customer passes through Python
            assigned = store.materialise(source.select("customer_id", segment_id=model.assign_expression(source)))
            labels = assigned.order_by("customer_id").segment_id.execute().to_numpy()  # as ``features``
        cached.append(assigned)
        if spec.kind == "clustering":
            profiles = describe_segments(features, labels, model)
        elif spec.kind == "rfm":
            profiles = describe_rfm(_no_negative_revenue(features), model)
        else:
            profiles = describe_groups(features, labels, model.segment_names_)
        explanation = explain(spec.kind, model, features, labels, profiles, contactable.to_numpy(),
                              settings.min_segment_size, settings.base_currency, settings.seed)
        explanation.warnings[:0] = getattr(model, "warnings_", [])  # e.g. labelled customers not in the snapshot
        results.append(SegmentationResult(spec.name, spec.kind, method, _reason(spec, model), profiles,
                                          getattr(model, "criteria_", None), _model_record(spec, model), explanation,
                                          getattr(model, "metrics_", None)))
        assignments.append(_named(assigned, spec.name, sid, {p.segment_id: p.name for p in profiles}))
    _store(store, sid, results, assignments)
    return results


def _named(assigned: ir.Table, segmentation: str, sid: str, names: dict[int, str]) -> ir.Table:
    name = ibis.cases(*[(assigned.segment_id == k, n) for k, n in names.items()], else_=ibis.null("string"))
    return assigned.select(snapshot_id=ibis.literal(sid), segmentation=ibis.literal(segmentation),
                           customer_id=assigned.customer_id, segment_id=assigned.segment_id.cast("int64"),
                           segment_name=name)


def _store(store: Store, sid: str, results: list[SegmentationResult], assignments: list[ir.Table]) -> None:
    if assignments:
        replace_rows(store, ASSIGNMENTS, sid, assignments[0].union(*assignments[1:]) if len(assignments) > 1
                     else assignments[0])
    segments = [{"snapshot_id": sid, "segmentation": r.name, "segment_id": p.segment_id, "name": p.name,
                 "size": p.size, "share": p.share, "revenue_share": p.revenue_share,
                 "profile": json.dumps(p.to_dict(), default=float)} for r in results for p in r.segments]
    if segments:
        replace_rows(store, SEGMENTS, sid, pd.DataFrame(segments))
    replace_rows(store, SEGMENTATION_RUNS, sid, pd.DataFrame([{
        "snapshot_id": sid, "segmentation": r.name, "kind": r.kind, "method": r.method, "k": len(r.segments),
        "choice_reason": r.reason, "criteria": "[]" if r.criteria is None else r.criteria.to_json(orient="records"),
        "rules_summary": r.explanation.rules_summary, "warnings": json.dumps(r.explanation.warnings),
        "model": json.dumps(r.model, default=float)} for r in results]))

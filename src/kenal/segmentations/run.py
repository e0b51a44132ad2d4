"""Every configured segmentation of one snapshot: fitted in memory on the feature table, assigned
by the engine, described, and stored in ``segment_assignments``, ``segments`` and
``segmentation_runs`` under the segmentation's name."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

from kenal.config import Settings
from kenal.errors import ConfigError
from kenal.features.consent import reachable
from kenal.health import HealthReport
from kenal.models import (AgeBands, CategoryGroups, LifecycleSegmenter, RFMSegmenter, SegmentProfile, ValueTiers,
                          describe_groups, describe_rfm, describe_segments, segmenter)
from kenal.models.segmentation import default_features
from kenal.outputs import ASSIGNMENTS, FEATURES, SEGMENTATION_RUNS, SEGMENTS, Snapshot, replace_rows
from kenal.rules import RuleSegments
from kenal.schema import protected_columns
from kenal.segmentations.continuity import (Continuation, continue_clustering, movement, previous_assignment,
                                            previous_run, previous_snapshot, sticky_assignment)
from kenal.segmentations.explain import Explanation, explain
from kenal.segmentations.learnt import fit_learnt, learnt_reason, learnt_record
from kenal.segmentations.spec import SegmentationSpec
from kenal.store import Store
from kenal.temporal.migration import migration
from kenal.temporal.retrain import decide

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
    decision: str = ""  # re-fitted or kept, and why (kenal.temporal.retrain)
    continuity: dict = field(default_factory=dict)  # against the previous run: stability, matched, new, vanished
    migration: pd.DataFrame | None = None  # customers from each segment of the previous snapshot to each of this one
    previous_snapshot: str = ""

    @property
    def skipped(self) -> bool:
        return not self.segments

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "method": self.method, "reason": self.reason,
                "criteria": [] if self.criteria is None else self.criteria.to_dict("records"),
                "rules_summary": self.explanation.rules_summary, "fidelity": self.explanation.fidelity,
                "warnings": self.explanation.warnings, "segments": [s.to_dict() for s in self.segments],
                "metrics": [] if self.metrics is None else self.metrics.to_dict("records"),
                "decision": self.decision, "continuity": self.continuity}


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
        return segmenter(spec["method"], k_max=settings.max_segments, random_state=seed,
                         features=clustering_features(spec, features)).fit(_fit_sample(features, seed))
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


def clustering_features(spec: SegmentationSpec, features: pd.DataFrame) -> list[str] | None:
    """The columns a clustering is fitted on: None for the lifetime default (chosen in the fit, as
    the models do), the columns of the "recent" preset present, or the columns the spec names."""
    option = spec["features"]
    if option == "lifetime":
        return None
    if isinstance(option, str):
        return default_features(features, option)
    where = f"[segmentations.{spec.name}] features"
    protected = [c for c in option if c in protected_columns()]
    if protected:
        raise ConfigError(f"{where}: {', '.join(protected)} is a protected attribute; it may describe segments "
                          "(kind = \"demographic\") but never make them")
    unknown = [c for c in option if c not in features.columns]
    if unknown:
        known = ", ".join(c for c in features.columns if c != "customer_id" and is_numeric_dtype(features[c]))
        raise ConfigError(f"{where}: {', '.join(unknown)} is not a numeric feature column; known: {known}")
    text = [c for c in option if not is_numeric_dtype(features[c])]
    if text:
        raise ConfigError(f"{where}: {', '.join(text)} is not numeric; a clustering needs numeric columns")
    return list(option)


def _lacking_input(spec: SegmentationSpec, features: pd.DataFrame) -> str:
    """Why a segmentation of groups cannot run on this feature table ("" when it can): the column it
    groups by is not there, because the data it comes from was not ingested."""
    column, source = {"geographic": (spec.options.get("level"), "a region or city in customers.csv"),
                      "technographic": ("main_platform", "web or app events (events.csv)")}.get(spec.kind, (None, ""))
    if column is None or column in features.columns:
        return ""
    return f"the data has no {column} for any customer; {spec.kind} segments need {source}"


def _fit_sample(features: pd.DataFrame, seed: int) -> pd.DataFrame:
    return features.sample(n=FIT_SAMPLE, random_state=seed) if len(features) > FIT_SAMPLE else features


def _continue(store: Store, spec: SegmentationSpec, snapshot: Snapshot, features: pd.DataFrame,
              settings: Settings) -> Continuation:
    """The clustering's model for this snapshot, continuing the previous run's (see continuity)."""
    previous = previous_run(store, spec.name, spec["method"], snapshot.as_of)
    refit = lambda old: segmenter(spec["method"], k_max=settings.max_segments,  # noqa: E731
                                  random_state=settings.seed).refit(_fit_sample(features, settings.seed), old)
    wanted = clustering_features(spec, features) or default_features(features)
    return continue_clustering(store, previous, features, snapshot.as_of, lambda: _fit(spec, features, settings),
                               refit, spec["refit_days"], spec["max_psi"], wanted)


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
        return getattr(model, "choice_reason_", "")  # a model kept from an earlier run: its decision says why
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
        lacking = _lacking_input(spec, features)
        if lacking:
            results.append(SegmentationResult(spec.name, spec.kind, method, reason=f"Not run: {lacking}."))
            continue
        source = _with_protected(store, table) if spec.kind == "demographic" else table
        continuation = _continue(store, spec, snapshot, features, settings) \
            if spec.kind == "clustering" and spec["stable_ids"] else None
        if continuation is not None:
            model = continuation.model
        elif spec.kind == "demographic":
            model = _fit_demographic(spec, source, snapshot.as_of)
        else:
            model = _fit(spec, features, settings, store.workspace)
        if spec.kind == "rules":  # what the rules' functions count in their windows, per customer
            source = model.with_windows(store, snapshot.as_of, table)
        # Scored in memory: RFM's quantiles are over all buyers at once; a learnt model's hundreds of
        # boosted trees would compile to an unwieldy SQL expression, so its predictions (made on the
        # frame of every customer) are sent back instead of the model being pushed to the engine.
        if spec.kind in ("rfm", "learnt"):
            assigned = ibis.memtable(pd.DataFrame({"customer_id": features.customer_id.to_numpy(),
                                                   "segment_id": model.labels_.astype("int64")}))
            labels = model.labels_
        elif continuation is not None and continuation.previous is not None and spec["hysteresis"] > 0 \
                and model.nearest_centre:  # smoothed: a customer stays put unless clearly nearer elsewhere
            earlier = previous_assignment(store, spec.name, continuation.previous)
            assigned = store.materialise(sticky_assignment(continuation, source, earlier, spec["hysteresis"]))
            labels = assigned.order_by("customer_id").segment_id.execute().to_numpy()
        else:  # the engine assigns every customer; no customer passes through Python
            assigned = store.materialise(source.select("customer_id", segment_id=model.assign_expression(source)))
            labels = assigned.order_by("customer_id").segment_id.execute().to_numpy()  # as ``features``
        cached.append(assigned)
        ids = None
        if continuation is not None:
            profiles = _stable_profiles(describe_segments(features, labels, model), continuation)
            ids, labels = continuation.ids, continuation.stable(labels)
        elif spec.kind == "clustering":
            profiles = describe_segments(features, labels, model)
        elif spec.kind == "rfm":
            profiles = describe_rfm(_no_negative_revenue(features), model)
        else:
            profiles = describe_groups(features, labels, model.segment_names_)
        explanation = explain(spec.kind, model, features, labels, profiles, contactable.to_numpy(),
                              settings.min_segment_size, settings.base_currency, settings.seed)
        explanation.warnings[:0] = getattr(model, "warnings_", [])  # e.g. labelled customers not in the snapshot
        result = SegmentationResult(spec.name, spec.kind, method, _reason(spec, model), profiles,
                                    getattr(model, "criteria_", None), _model_record(spec, model), explanation,
                                    getattr(model, "metrics_", None))
        if continuation is not None:
            _record_continuity(result, continuation, store, spec, features, labels)
        elif spec.kind == "clustering":
            result.decision = "fitted afresh on every run (stable_ids = false)"
        elif spec.kind == "learnt":
            result.decision = "learnt from the labels on every run"
        else:
            result.decision = decide(spec.kind, snapshot.as_of, None).reason
        results.append(result)
        assignments.append(_named(assigned, spec.name, sid, {p.segment_id: p.name for p in profiles}, ids))
    _store(store, sid, results, assignments)
    for r in results:  # counted by the engine from the stored assignments
        previous = None if r.skipped else previous_snapshot(store, r.name, snapshot.as_of)
        if previous:
            r.previous_snapshot, r.migration = previous, migration(store, r.name, previous, sid)
    return results


def _stable_profiles(profiles: list[SegmentProfile], continuation: Continuation) -> list[SegmentProfile]:
    """Profiles under their stable ids; a segment that continues an earlier one keeps its name."""
    kept = set(continuation.kept_names.values())
    for p in profiles:
        if p.segment_id < 0:
            continue
        p.segment_id = continuation.ids[p.segment_id]
        earlier = continuation.kept_names.get(p.segment_id)
        p.name = earlier or (f"{p.name} (new)" if p.name in kept else p.name)
    return profiles


def _record_continuity(result: SegmentationResult, continuation: Continuation, store: Store,
                       spec: SegmentationSpec, features: pd.DataFrame, labels: np.ndarray) -> None:
    """The decision, the stable ids in the model record, and how this run continues the previous one."""
    result.decision = continuation.decision.reason
    result.model["continuity"] = continuation.record()
    if continuation.decision.cause != "new":
        decision = continuation.decision.reason
        result.reason = f"{decision[:1].upper()}{decision[1:]}. {result.reason}".strip()
    previous = continuation.previous
    if previous is None:
        return
    names = {p.segment_id: p.name for p in result.segments}
    stability = movement(continuation, previous_assignment(store, spec.name, previous), features, labels)
    matching = continuation.matching
    result.continuity = {
        "previous_snapshot": previous.snapshot_id, **stability.to_dict(),
        "matched": {names[continuation.ids[k]]: round(j, 3) for k, j in matching.jaccard.items()} if matching else {},
        "new": [names[continuation.ids[k]] for k in matching.new] if matching else [],
        "vanished": [previous.names.get(i, str(i)) for i in matching.vanished] if matching else []}


def _named(assigned: ir.Table, segmentation: str, sid: str, names: dict[int, str],
           ids: list[int] | None = None) -> ir.Table:
    """Assignments as stored; ``ids`` renumbers the model's segments as stable ids."""
    segment = assigned.segment_id.cast("int64")
    if ids is not None:
        segment = ibis.cases(*[(segment == k, i) for k, i in enumerate(ids)], else_=segment)
    name = ibis.cases(*[(segment == k, n) for k, n in names.items()], else_=ibis.null("string"))
    return assigned.select(snapshot_id=ibis.literal(sid), segmentation=ibis.literal(segmentation),
                           customer_id=assigned.customer_id, segment_id=segment, segment_name=name)


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
        "decision": r.decision, "continuity": json.dumps(r.continuity, default=float),
        "model": json.dumps(r.model, default=float)} for r in results]))

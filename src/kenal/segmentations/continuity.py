"""A clustering that stays recognisable from snapshot to snapshot.

Each run of a clustering continues the latest earlier run of the same segmentation:

1. *Keep or re-fit* (:func:`kenal.temporal.retrain.decide`): the earlier model is kept while it is
   young and its features have not drifted; a re-fit for age starts from the earlier centres
   with the same number of segments (the segments move with the customers); a re-fit for drift
   chooses its number of segments afresh.
2. *Stable ids*: a re-fit's segments are matched to the earlier ones on the customers they share
   (:mod:`kenal.temporal.matching`), so a segment that continues keeps its id and its name, and
   new and vanished segments are reported as such.
3. *Smoothing*: with ``hysteresis = h`` a customer stays in their earlier segment unless another
   segment's centre is nearer by more than the share ``h`` of the distance, so re-fit noise at a
   boundary moves nobody.  It is evaluated by the engine, joined to the earlier assignment.
4. *Stability*: the share who kept their segment, and of the movers those whom the earlier model
   moves too (their behaviour changed) against those only the re-fit moved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from kenal.models import Segmenter, segmenter_from_record
from kenal.models.segmentation import SHARE_PREFIX, first_of
from kenal.outputs import ASSIGNMENTS, FEATURES, SEGMENTATION_RUNS, SEGMENTS, SNAPSHOTS
from kenal.store import Store
from kenal.temporal.drift import feature_drift
from kenal.temporal.matching import Matching, match_segments, stable_ids
from kenal.temporal.retrain import RetrainDecision, decide
from kenal.temporal.stability import Stability, stability


def as_ids(labels: np.ndarray, ids: list[int]) -> np.ndarray:
    """Segment numbers of a model as the stable ids ``ids`` (by number); an outlier stays -1."""
    labels = np.asarray(labels)
    return np.where(labels >= 0, np.asarray(ids)[np.maximum(labels, 0)], labels)


@dataclass
class PreviousRun:
    """The latest earlier run of a clustering, with its model rebuilt from the stored record."""

    snapshot_id: str
    model: Segmenter
    ids: list[int]  # stable id of each of the model's segments
    names: dict[int, str]  # stable id -> name
    next_id: int  # the first id never used by this segmentation
    fitted_as_of: datetime  # as-of date of the snapshot the model was fitted on


@dataclass
class Continuation:
    """This run's model and how it continues the previous one."""

    model: Segmenter
    ids: list[int]
    next_id: int
    fitted_as_of: datetime
    decision: RetrainDecision
    previous: PreviousRun | None = None
    matching: Matching | None = None
    kept_names: dict[int, str] = field(default_factory=dict)  # stable id -> the name it had
    previous_now: np.ndarray | None = None  # the previous model's stable ids for this snapshot's customers

    def stable(self, labels: np.ndarray) -> np.ndarray:
        """The model's segment numbers as stable ids (an outlier stays -1)."""
        return as_ids(labels, self.ids)

    def record(self) -> dict:
        return {"ids": self.ids, "next_id": self.next_id, "fitted_as_of": self.fitted_as_of.isoformat()}


def _latest_run(store: Store, name: str, as_of: datetime) -> pd.Series | None:
    """The stored run of segmentation ``name`` that assigned customers in the latest snapshot
    before ``as_of`` (with the snapshot's as_of), or None."""
    if not (store.has(SEGMENTATION_RUNS) and store.has(SNAPSHOTS)):
        return None
    runs, snaps = store.table(SEGMENTATION_RUNS), store.table(SNAPSHOTS)
    runs = runs.filter((runs.segmentation == name) & (runs.k > 0))
    joined = runs.join(snaps.select("snapshot_id", "as_of", "created_at"), "snapshot_id")
    joined = joined.filter(joined.as_of < ibis.literal(pd.Timestamp(as_of)))
    rows = joined.order_by([ibis.desc("as_of"), ibis.desc("created_at")]).limit(1).execute()
    return None if rows.empty else rows.iloc[0]


def previous_snapshot(store: Store, name: str, as_of: datetime) -> str | None:
    """The latest snapshot before ``as_of`` with segments of ``name``."""
    row = _latest_run(store, name, as_of)
    return None if row is None else str(row.snapshot_id)


def previous_run(store: Store, name: str, method: str, as_of: datetime) -> PreviousRun | None:
    """The latest run of clustering ``name`` with ``method`` in a snapshot before ``as_of`` that
    assigned customers, or None."""
    row = _latest_run(store, name, as_of)
    if row is None:
        return None
    record = json.loads(row.model)
    if row.kind != "clustering" or record.get("method") != method:
        return None  # another kind or method by this name: nothing to continue
    model = segmenter_from_record(record)
    kept = record.get("continuity") or {"ids": list(range(model.n_clusters_)), "next_id": model.n_clusters_,
                                        "fitted_as_of": pd.Timestamp(row.as_of).isoformat()}
    segments = store.table(SEGMENTS)
    segments = segments.filter((segments.snapshot_id == row.snapshot_id) & (segments.segmentation == name))
    names = dict(segments.select("segment_id", "name").execute().itertuples(index=False))
    return PreviousRun(row.snapshot_id, model, list(kept["ids"]), {int(k): v for k, v in names.items()},
                       int(kept["next_id"]), datetime.fromisoformat(kept["fitted_as_of"]))


def previous_assignment(store: Store, name: str, previous: PreviousRun) -> ir.Table:
    """customer_id and segment_id (stable) of the previous run's customers."""
    t = store.table(ASSIGNMENTS)
    return t.filter((t.snapshot_id == previous.snapshot_id) & (t.segmentation == name)).select(
        "customer_id", "segment_id")


def _features_of(store: Store, snapshot_id: str, columns: list[str]) -> pd.DataFrame:
    t = store.table(FEATURES)
    return t.filter(t.snapshot_id == snapshot_id).select(*columns).execute()


def continue_clustering(store: Store, previous: PreviousRun | None, features: pd.DataFrame, as_of: datetime,
                        fit: Callable[[], Segmenter], refit: Callable[[Segmenter], Segmenter],
                        every_days: int, max_psi: float, wanted: list[str] | None = None) -> Continuation:
    """This snapshot's model: a new fit (``fit()``), the previous model kept, or a re-fit from it
    (``refit(previous_model)``), with stable ids matched to the previous run's.  ``wanted``: the
    features the segmentation asks for now; when they are not the earlier model's (category shares
    aside: the top categories may change), the model is fitted afresh."""
    if previous is None:
        model = fit()
        return Continuation(model, list(range(model.n_clusters_)), model.n_clusters_, as_of,
                            decide("clustering", as_of, None))
    columns = list(previous.model.feature_names_in_)
    missing = [c for c in columns if c not in features.columns]
    behaviour = lambda cols: {c for c in cols if not c.startswith(SHARE_PREFIX)}  # noqa: E731
    afresh = None
    if missing:  # e.g. a category that left the top categories: the earlier model cannot assign
        afresh = RetrainDecision(True, f"re-fitted afresh: the earlier model's features {', '.join(missing)} are "
                                       "not in this snapshot", "drift")
    elif wanted is not None and behaviour(wanted) != behaviour(columns):  # the analyst chose other features
        afresh = RetrainDecision(True, "re-fitted afresh: the segmentation's features are not the earlier model's",
                                 "new")
    if afresh:
        model = fit()
        return Continuation(model, list(range(previous.next_id, previous.next_id + model.n_clusters_)),
                            previous.next_id + model.n_clusters_, as_of, afresh)
    drift = feature_drift(_features_of(store, previous.snapshot_id, columns), features, columns)
    decision = decide("clustering", as_of, previous.fitted_as_of, drift, every_days, max_psi)
    previous_now = as_ids(previous.model.predict(features), previous.ids)
    if not decision.refit:
        return Continuation(previous.model, previous.ids, previous.next_id, previous.fitted_as_of, decision,
                            previous, kept_names=dict(previous.names), previous_now=previous_now)
    model = refit(previous.model) if decision.cause == "age" and previous.model.warm_start else fit()
    # Who the previous model's segments are now, against the re-fit's: the pairs that share most
    # customers are the same group.
    matching = match_segments(previous_now, model.predict(features))
    ids = stable_ids(matching, previous.next_id)
    ordered = [ids[k] for k in range(model.n_clusters_)]
    kept = {ids[k]: previous.names[ids[k]] for k in matching.mapping if ids[k] in previous.names}
    return Continuation(model, ordered, max([previous.next_id, *[i + 1 for i in ordered]]), as_of, decision,
                        previous, matching, kept, previous_now)


def sticky_assignment(continuation: Continuation, source: ir.Table, previous: ir.Table,
                      hysteresis: float) -> ir.Table:
    """customer_id and segment_id (the model's numbering) of every customer of ``source``: the
    nearest segment, unless the customer's segment in ``previous`` (customer_id, segment_id as
    stable ids) is within ``1 + hysteresis`` times that distance."""
    model = continuation.model
    prev = previous.select("customer_id", previous_id=previous.segment_id)
    t = source.left_join(prev, "customer_id").drop("customer_id_right")
    k = model.n_clusters_
    t = t.mutate(**{f"_cost{j}": c for j, c in enumerate(model.costs(model.space_.expressions(t), t))})
    costs = [t[f"_cost{j}"] for j in range(k)]
    nearest = first_of(costs)
    was = ibis.cases(*[(t.previous_id == sid, j) for j, sid in enumerate(continuation.ids)],
                     else_=ibis.null("int64"))
    cost_was = ibis.cases(*[(was == j, costs[j]) for j in range(k)], else_=ibis.null("float64"))
    stay = cost_was.notnull() & (cost_was <= ibis.least(*costs) * (1 + hysteresis) ** 2)
    return t.select("customer_id", segment_id=ibis.ifelse(stay, was, nearest).cast("int64"))


def movement(continuation: Continuation, previous: ir.Table, features: pd.DataFrame,
             current: np.ndarray) -> Stability:
    """Stability between the previous run and this one over the customers in both; ``current`` is
    this run's stable ids in ``features``' row order, ``previous`` the earlier assignment."""
    frame = pd.DataFrame({"customer_id": features.customer_id.to_numpy(), "current": current,
                          "old_model_now": continuation.previous_now})
    both = frame.merge(previous.select("customer_id", "segment_id").execute(), on="customer_id")
    return stability(both.segment_id.to_numpy(), both.old_model_now.to_numpy(), both.current.to_numpy())

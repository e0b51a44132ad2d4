"""``kenal score``: every score of one snapshot, stored with the snapshot id, validated out of time.

For a snapshot as of D:

- churn (no purchase in the next H days) and each configured propensity ("buys in category C in
  the next N days") are trained on earlier snapshots whose outcome window ends by D
  (:mod:`kenal.scores.dataset`), tuned, calibrated and thresholded (:mod:`kenal.scores.classifier`),
  and explained per customer with TreeSHAP (:mod:`kenal.scores.explain`);
- out-of-time validation repeats the whole training as if the decision were made at D - H, on
  snapshots before that, and measures the result on the snapshot as of D - H, whose outcome the data
  holds;
- BG/NBD and Gamma-Gamma, fitted on the purchases up to D, give p_alive, the expected purchases in
  the next 30 / 90 days, the next purchase date and the CLV over a year (10% a year discount).

The ``scores`` table has one row per customer and snapshot; ``score_runs`` one row per score and
snapshot with its report (metrics, calibration curve, settings, importance, model card) as JSON.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import numpy as np
import pandas as pd

from kenal.config import ScoreSettings, split_propensity
from kenal.errors import ConfigError, WorkspaceError
from kenal.outputs import SNAPSHOTS, Snapshot, new_snapshot, replace_rows
from kenal.schema import protected_columns
from kenal.scores._mle import ModelError
from kenal.scores.bgnbd import BetaGeoModel
from kenal.scores.classifier import TrainedScore, TrainingSet, train_score
from kenal.scores.clv import holdout_comparison, purchase_outlook, summarise_transactions
from kenal.scores.dataset import (UNIT_DAYS, FrameCache, Target, churn_target, earliest_purchase, local_day,
                                  propensity_target, purchases, training_dates)
from kenal.scores.explain import global_importance, top_reasons
from kenal.scores.gammagamma import GammaGammaModel
from kenal.scores.metrics import by_missingness, classification_metrics
from kenal.store import Store

log = logging.getLogger(__name__)
SCORES = "scores"
SCORE_RUNS = "score_runs"
PURCHASE_CHECK = "purchases"  # the score_runs row of the BTYD models' out-of-time check
EXPORT_COLUMNS = ["customer_id", "snapshot_id", "churn_probability", "p_alive", "expected_purchases_90d", "clv",
                  "next_purchase_date"]
FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class ScoreOptions:
    horizon_days: int = 90          # churn: no purchase in this many days
    target_recall: float = 0.8      # the threshold flags this share of the churners (on held-out data)
    propensities: tuple[tuple[str, int], ...] = ()  # (category, days): "buys in category in the next days"
    n_snapshots: int = 4            # training snapshots per score (tune on the older, calibrate on the latest)
    step_days: int | None = None    # days between training snapshots (default: the score's horizon)
    calibration: str = "sigmoid"    # sigmoid (Platt) or isotonic
    validate: bool = True           # out-of-time validation (trains each score a second time)
    btyd: bool = True               # p_alive, expected purchases, next purchase date and CLV
    n_jobs: int = 1                 # threads; more than the idle cores makes OpenMP spin: slower, not faster

    def __post_init__(self):
        if not 0 < self.target_recall <= 1:
            raise ConfigError(f"--target-recall {self.target_recall} must be above 0 and at most 1")
        if int(self.horizon_days) != self.horizon_days or self.horizon_days < 1:
            raise ConfigError(f"--horizon {self.horizon_days} must be a whole number of days, at least 1")
        if self.n_snapshots < 3:
            raise ConfigError(f"n_snapshots {self.n_snapshots} must be at least 3 (two to tune on, one to calibrate on)")
        if self.calibration not in ("isotonic", "sigmoid"):
            raise ConfigError(f"calibration '{self.calibration}' must be sigmoid or isotonic")
        if self.step_days is not None and self.step_days < 1:
            raise ConfigError(f"step_days {self.step_days} must be at least 1")

    def targets(self) -> list[Target]:
        return [churn_target(self.horizon_days)] + [propensity_target(c, d) for c, d in self.propensities]

    @classmethod
    def from_settings(cls, scores: ScoreSettings, **overrides) -> "ScoreOptions":
        """The options of the workspace's ``[scores]`` table; ``overrides`` that are not None (the
        options of ``kenal score``) win.  A ``propensities`` override is a list of "category:days"."""
        values = {"horizon_days": scores.horizon_days, "target_recall": scores.target_recall,
                  "propensities": scores.propensities, "n_snapshots": scores.n_snapshots,
                  "calibration": scores.calibration, "validate": scores.validate}
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["propensities"] = tuple(parse_propensity(p) for p in values["propensities"])
        return cls(**values)


def parse_propensity(text: str) -> tuple[str, int]:
    """"electronics:30" -> ("electronics", 30); a bare category means 30 days."""
    parsed = split_propensity(text)
    if parsed is None:
        raise ConfigError(f"--propensity '{text}' is not CATEGORY or CATEGORY:DAYS (e.g. electronics:30)")
    return parsed


@dataclass
class ScoreResult:
    snapshot_id: str
    as_of: datetime
    table: pd.DataFrame                       # one row per customer
    reports: dict[str, dict] = field(default_factory=dict)  # per score
    timings: dict[str, float] = field(default_factory=dict)
    models: dict[str, TrainedScore] = field(default_factory=dict, repr=False)
    features: pd.DataFrame | None = field(default=None, repr=False)  # the inputs of the scored customers
    purchase_check: dict | None = None  # BTYD's expected purchases against the next days, out of time

    def summary_lines(self) -> list[str]:
        """What ``kenal score`` prints: per score, how many are flagged and how good it was out of time."""
        lines = [f"Snapshot {self.snapshot_id}: {len(self.table):,} customers scored"]
        for name, r in self.reports.items():
            v = r.get("validation") or {}
            line = f"{name}: {r['flagged']:,} flagged at threshold {r['settings']['threshold']:.3f} (mean {r['mean_probability']:.1%})"
            if "skipped" in v:
                line += f"; {v['skipped']}"
            elif v:
                line += (f"; out of time ({v['evaluated_on'][:10]}): ROC-AUC {v['roc_auc']:.3f}, PR-AUC {v['pr_auc']:.3f} "
                         f"(baseline {v['baseline']['pr_auc']:.3f}), precision {v['precision']:.2f}, recall "
                         f"{v['recall']:.2f}, ECE {v['ece']:.3f}")
            lines.append(line)
            top = ", ".join(i["feature"] for i in r["importance"][:5])
            lines.append(f"  most important: {top}")
        c = self.purchase_check
        if c and "skipped" in c:
            lines.append(f"purchases: {c['skipped']}")
        elif c:
            lines.append(f"purchases (BG/NBD), out of time ({c['calibration_end'][:10]}): {c['predicted_total']:,.0f} "
                         f"expected in the next {c['horizon_days']} days, {c['actual_total']:,.0f} made; mean "
                         f"absolute error {c['mae']:.2f} per customer")
        return lines


def snapshot_dates(target: Target, decision: datetime, options: ScoreOptions, first: datetime | None,
                   timezone: str = "UTC") -> list[datetime]:
    """The training snapshots of ``target`` for a decision at ``decision``: ``step_days`` apart
    (default: the horizon, so outcome windows never overlap); closer together, down to a week, when
    the history is too short for that; a WorkspaceError when even that does not fit."""
    step = options.step_days or target.horizon_days
    if first is not None:
        room = (decision - timedelta(days=target.horizon_days) - first).total_seconds() / 86_400
        step = min(step, max(7, int(room // options.n_snapshots)))
    dates = training_dates(decision, target.horizon_days, options.n_snapshots, step)
    if first is None or dates[0] < first:
        days = options.n_snapshots * 7 + target.horizon_days
        zone = ZoneInfo(timezone)
        start = "has no purchase" if first is None else f"starts {first.astimezone(zone):%Y-%m-%d}"
        raise WorkspaceError(f"score '{target.name}' as of {decision.astimezone(zone):%Y-%m-%d} needs at least "
                             f"{days} days of purchases before it; the data {start}")
    return dates


def _fit(cache: FrameCache, target: Target, decision: datetime, options: ScoreOptions, seed: int,
         first: datetime | None) -> TrainedScore:
    dates = snapshot_dates(target, decision, options, first, cache.timezone)
    frames, labels = zip(*(cache.labelled(d, target) for d in dates))
    return train_score(target.name, TrainingSet(dates, list(frames), list(labels)), target_recall=options.target_recall,
                       seed=seed, n_jobs=options.n_jobs, calibration=options.calibration)


def validate(cache: FrameCache, target: Target, decision: datetime, options: ScoreOptions, seed: int,
             first: datetime | None) -> dict:
    """Out-of-time: train as if deciding at the latest snapshot whose outcome is known (D - H on the
    grid), on the snapshots before it, and measure on that snapshot."""
    evaluated = training_dates(decision, target.horizon_days, 1, 0)[0]
    model = _fit(cache, target, evaluated, options, seed, first)
    frame, y = cache.labelled(evaluated, target)
    p = model.predict(frame)
    baseline = model.predict_baseline(frame)
    x = model.encoding.transform(frame)
    report = {"evaluated_on": evaluated.isoformat(), "trained_on": [d.isoformat() for d in model.dates],
              **classification_metrics(y, p, model.threshold),
              # the baseline at its own threshold for the target recall, set as the model's is
              "baseline": {**_without_curve(classification_metrics(y, baseline, model.baseline_threshold)),
                           "C": model.baseline_c},
              "by_missingness": by_missingness(x[model.encoding.numeric], y, p)}
    report["beats_baseline"] = (report["pr_auc"] or 0) > (report["baseline"]["pr_auc"] or 0)
    return report


def _without_curve(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if k != "calibration_curve"}


def btyd_outlook(cache: FrameCache, as_of: datetime, customers: pd.Index) -> pd.DataFrame:
    """BG/NBD + Gamma-Gamma on the profiled customers' purchases up to ``as_of``: p_alive, expected
    purchases in 30 / 90 days, next purchase date and one year's CLV (10% a year), by customer_id."""
    columns = ["p_alive", "expected_purchases_30d", "expected_purchases_90d", "next_purchase_date", "clv"]
    summary, model = cache.purchase_model(as_of)
    if model is None:
        return pd.DataFrame(index=customers, columns=columns)
    day = local_day(as_of, cache.timezone)
    try:
        spend = summary[(summary.frequency == 0) | (summary.monetary_value > 0)]
        gg = GammaGammaModel().fit(spend)
        outlook = purchase_outlook(model, spend, unit_days=UNIT_DAYS, as_of=day, spend_model=gg)
    except ModelError as exc:
        log.warning("no CLV: %s", exc)
        outlook = purchase_outlook(model, summary, unit_days=UNIT_DAYS, as_of=day).assign(clv=np.nan)
    return outlook.reindex(customers)[columns]


def compute_scores(store: Store, as_of: datetime, snapshot_id: str, options: ScoreOptions = ScoreOptions(),
                   seed: int = 0, session_cap_hours: float = 12, timezone: str = "Asia/Jakarta",
                   cache: FrameCache | None = None) -> ScoreResult:
    """Every score of the customers profiled as of ``as_of`` (not stored; see :func:`save_scores`)."""
    timings: dict[str, float] = {}
    cache = cache or FrameCache(store, session_cap_hours, timezone)
    first = earliest_purchase(store)
    for target in options.targets():  # too short a history: say so before any work
        snapshot_dates(target, as_of, options, first, cache.timezone)
    started = time.perf_counter()
    frame = cache.features(as_of)
    if frame.empty:
        raise WorkspaceError(f"no customer may be profiled as of {as_of:%Y-%m-%d}; there is nobody to score")
    timings["features"] = time.perf_counter() - started
    table = pd.DataFrame(index=frame.index)
    reports, models = {}, {}
    for target in options.targets():
        started = time.perf_counter()
        model = _fit(cache, target, as_of, options, seed, first)
        timings[f"{target.name}_train"] = time.perf_counter() - started
        started = time.perf_counter()
        p = model.predict(frame)
        reasons, importance = top_reasons(model, frame)
        timings[f"{target.name}_score"] = time.perf_counter() - started
        column = "churn_probability" if target.name == "churn" else target.name
        table[column] = p
        table[f"{target.name}_flag"] = p >= model.threshold
        table[f"{target.name}_reasons"] = reasons
        report = {"target": target.describes, "horizon_days": target.horizon_days, "category": target.category,
                  "settings": model.settings(), "importance": global_importance(model, importance),
                  "flagged": int((p >= model.threshold).sum()), "mean_probability": float(p.mean())}
        if options.validate:
            started = time.perf_counter()
            try:
                report["validation"] = validate(cache, target, as_of, options, seed, first)
            except WorkspaceError as exc:  # too little history to look back once more: say so, score anyway
                report["validation"] = {"skipped": f"no out-of-time validation: {exc}"}
            timings[f"{target.name}_validation"] = time.perf_counter() - started
        report["model_card"] = model_card(target, model, report)
        reports[target.name] = report
        models[target.name] = model
    purchase_check = None
    if options.btyd:
        started = time.perf_counter()
        outlook = btyd_outlook(cache, as_of, frame.index)
        for c in outlook.columns:
            table[c] = outlook[c]
        if options.validate:
            purchase_check = validate_btyd(cache, as_of, options.horizon_days)
        timings["btyd"] = time.perf_counter() - started
    table = table.reset_index()
    table.insert(1, "snapshot_id", snapshot_id)
    return ScoreResult(snapshot_id, as_of, table, reports, timings, models, frame, purchase_check)


def validate_btyd(cache: FrameCache, as_of: datetime, horizon_days: int) -> dict:
    """Out of time for p_alive, expected purchases and CLV: BG/NBD and Gamma-Gamma fitted on the
    purchases up to ``as_of - horizon``, their expected purchases (and spend) in the ``horizon`` days
    after against what each customer did, per customer and by number of repeat purchases (Fader,
    Hardie & Lee's conditional expectations)."""
    zone = cache.timezone
    calibration_end = as_of - timedelta(days=int(horizon_days))
    customers = cache.features(as_of).index
    summary = summarise_transactions(purchases(cache.store, as_of, customers, zone),
                                     calibration_end=local_day(calibration_end, zone),
                                     holdout_end=local_day(as_of, zone), unit_days=UNIT_DAYS)
    window = {"calibration_end": calibration_end.isoformat(), "holdout_end": as_of.isoformat(),
              "horizon_days": int(horizon_days)}
    try:
        model = BetaGeoModel().fit(summary)
    except (ModelError, ValueError) as exc:
        return window | {"skipped": f"no out-of-time check of the purchase model: {exc}"}
    check = holdout_comparison(model, summary, horizon_days / UNIT_DAYS).to_dict()
    spend = summary[(summary.frequency == 0) | (summary.monetary_value > 0)]
    try:
        with_spend = holdout_comparison(model, spend, horizon_days / UNIT_DAYS, spend_model=GammaGammaModel().fit(spend))
        check |= {k: getattr(with_spend, k) for k in ("spend_mae", "spend_predicted_total", "spend_actual_total")}
    except ModelError as exc:
        log.warning("no out-of-time check of spend: %s", exc)
    return window | check


def model_card(target: Target, model: TrainedScore, report: dict) -> dict:
    v = report.get("validation") or {}
    return {
        "score": target.name, "predicts": target.describes, "owner": "the kenal workspace's analysts",
        "data_window": {"training_snapshots": [d.isoformat() for d in model.dates],
                        "outcome_window_days": target.horizon_days},
        "features": model.encoding.columns,
        "protected_attributes_excluded": sorted(protected_columns()),
        "metrics": {k: v.get(k) for k in ("roc_auc", "pr_auc", "precision", "recall", "f1", "brier", "ece")},
        "known_limits": [
            "trained on past snapshots: a change in behaviour after the latest training snapshot is not seen",
            "customers without purchases or without profiling consent are not scored",
            "probabilities are calibrated on the latest training snapshot; recalibrate when the base rate moves",
        ],
    }


def save_scores(store: Store, result: ScoreResult) -> None:
    """Write the snapshot's rows of ``scores`` and ``score_runs`` (a re-run replaces them)."""
    table = result.table.copy()
    for c in table.columns:
        if c.endswith("_flag"):
            table[c] = table[c].astype(bool)
    if "next_purchase_date" in table.columns:
        table["next_purchase_date"] = pd.to_datetime(table["next_purchase_date"]).dt.date
    for c in ("p_alive", "expected_purchases_30d", "expected_purchases_90d", "clv"):
        if c in table.columns:
            table[c] = pd.to_numeric(table[c], errors="coerce").astype("float64")
    replace_rows(store, SCORES, result.snapshot_id, table)
    reports = result.reports | ({PURCHASE_CHECK: result.purchase_check} if result.purchase_check else {})
    runs = pd.DataFrame([{"snapshot_id": result.snapshot_id, "score": name,
                          "report": json.dumps(report, default=str, sort_keys=True)}
                         for name, report in reports.items()])
    replace_rows(store, SCORE_RUNS, result.snapshot_id, runs)


def snapshot_for(store: Store, as_of: datetime | None, settings) -> Snapshot:
    """The latest snapshot, or the latest one as of exactly ``as_of`` (a new one if there is none)."""
    if store.has(SNAPSHOTS):
        s = store.table(SNAPSHOTS)
        if as_of is not None:
            s = s.filter(s.as_of == ibis.literal(pd.Timestamp(as_of)))
        found = s.order_by(ibis.desc("created_at")).limit(1).execute()
        if not found.empty:
            row = found.iloc[0]
            return Snapshot(str(row.snapshot_id), pd.Timestamp(row.as_of).to_pydatetime(),
                            pd.Timestamp(row.created_at).to_pydatetime())
    if as_of is None:
        raise WorkspaceError("the workspace has no snapshot yet; run 'kenal run' first")
    return new_snapshot(store, as_of, settings)


def score_workspace(store: Store, settings, as_of: datetime | None = None,
                    options: ScoreOptions = ScoreOptions()) -> ScoreResult:
    """``kenal score``: score the latest snapshot (or the one as of ``as_of``) and store the scores."""
    if not store.has("customers"):
        raise WorkspaceError("the workspace has no customers; run 'kenal ingest --input DIR' or "
                             "'kenal run --input DIR' first")
    if not store.has("transactions"):
        raise WorkspaceError("the workspace has no transactions; scores learn from purchases, ingest transactions.csv")
    return score_snapshot(store, settings, snapshot_for(store, as_of, settings), options)


def score_snapshot(store: Store, settings, snapshot: Snapshot, options: ScoreOptions) -> ScoreResult:
    """Score one snapshot's customers and store the scores (``kenal score``, and ``kenal run`` with
    ``[scores] enabled = true``).  A WorkspaceError when the data cannot train a score (too short a history)."""
    if not store.has("transactions"):
        raise WorkspaceError("the workspace has no transactions; scores learn from purchases, ingest transactions.csv")
    result = compute_scores(store, snapshot.as_of, snapshot.snapshot_id, options, seed=settings.seed,
                            session_cap_hours=settings.session_cap_hours, timezone=settings.timezone)
    save_scores(store, result)
    return result


def latest_scored_snapshot(store: Store) -> str:
    if not store.has(SCORES):
        raise WorkspaceError("the workspace has no scores yet; run 'kenal score' first")
    t = store.table(SCORES).select("snapshot_id").distinct()
    ids = store.table(SNAPSHOTS).semi_join(t, "snapshot_id").order_by(ibis.desc("created_at")).limit(1).execute()
    return str(ids.snapshot_id.iloc[0])


def export_scores(store: Store, output: Path, fmt: str | None = None, snapshot_id: str | None = None) -> int:
    """Write one snapshot's scores (default: the latest scored): customer_id, snapshot_id,
    churn_probability, p_alive, expected_purchases_90d, clv, next_purchase_date and any propensities."""
    output = Path(output)
    fmt = fmt or output.suffix.lstrip(".").lower() or "csv"
    if fmt not in FORMATS:
        raise ConfigError(f"export format '{fmt}' is not supported; expected one of {', '.join(FORMATS)}")
    snapshot_id = snapshot_id or latest_scored_snapshot(store)
    t = store.table(SCORES)
    t = t.filter(t.snapshot_id == snapshot_id)
    n = int(t.count().execute())
    if n == 0:
        raise WorkspaceError(f"snapshot '{snapshot_id}' has no scores; run 'kenal score' first")
    propensities = [c for c in t.columns if c.startswith("propensity_") and not c.endswith(("_flag", "_reasons"))]
    # a propensity another snapshot configured is NULL in this one: export only this snapshot's
    present = t.aggregate(**{c: t[c].count() for c in propensities}).execute() if propensities else None
    propensities = [c for c in propensities if int(present[c].iloc[0]) > 0]
    t = t.select(*[c for c in EXPORT_COLUMNS + propensities if c in t.columns]).order_by("customer_id")
    output.parent.mkdir(parents=True, exist_ok=True)
    (t.to_csv if fmt == "csv" else t.to_parquet)(str(output))
    return n


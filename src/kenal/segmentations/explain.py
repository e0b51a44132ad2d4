"""Every segment explained and checked: a persona, its potential, rules that reproduce it (with
their fidelity), validity warnings, and the 2-D projection the report draws."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from kenal.models import SegmentProfile
from kenal.models.persona import persona, potential
from kenal.models.surrogate import fit_surrogate, rule_features, single_feature_driver
from kenal.models.validity import overlapping, validity_warnings

SAMPLE = 50_000  # customers the rules, overlaps and projection are computed on, at most
PROJECTION_POINTS = 1_500
# Kinds whose segments a model found (not written by an analyst, nor a threshold by construction as
# a value tier is): one may turn out to be a single feature, or there may be too many of them.
LEARNT_KINDS = ("clustering", "learnt")
# Kinds whose segment is one value of one attribute: that value is the rule.
ATTRIBUTE_KINDS = {"geographic": "region or city", "technographic": "main platform", "demographic": "attribute"}


@dataclass
class Explanation:
    rules_summary: str = ""
    fidelity: float | None = None
    warnings: list[str] = field(default_factory=list)
    projection: list[tuple[float, float, int]] = field(default_factory=list)  # x, y, segment id


def _space(kind: str, model, sample: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The space the segments live in: the clustering's own, or every rule feature in standard units
    (log-scaled where non-negative, as amounts and counts are skewed)."""
    if kind == "clustering":
        return model.transform(sample)
    values = sample[columns].astype(float)
    values = values.apply(lambda c: np.log1p(c) if c.min() >= 0 else c)
    scale = values.std(ddof=0).replace(0.0, 1.0)
    return ((values - values.mean()) / scale).fillna(0.0).to_numpy()


def explain(kind: str, model, features: pd.DataFrame, labels: np.ndarray, profiles: list[SegmentProfile],
            reachable: np.ndarray | None, min_size: int, currency: str, seed: int = 0) -> Explanation:
    """Fill each profile's persona, potential and rules; return the segmentation's checks."""
    for p in profiles:
        mask = labels == p.segment_id
        p.persona = persona(features, mask, currency)
        p.potential = potential(features, mask, reachable)

    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(features), size=SAMPLE, replace=False)) if len(features) > SAMPLE \
        else np.arange(len(features))
    sample, sample_labels = features.iloc[idx], labels[idx]
    out = Explanation()
    if kind in ATTRIBUTE_KINDS or len(np.unique(sample_labels[sample_labels >= 0])) < 2:
        if kind in ATTRIBUTE_KINDS:
            out.rules_summary, out.fidelity = f"Each segment is one value of the {ATTRIBUTE_KINDS[kind]}.", 1.0
        out.warnings = validity_warnings(profiles, min_size, over_segmentation=False)
        return out
    # Rules may use any feature, not only the clustering's: the shortest true description wins.
    columns = rule_features(features)
    surrogate = fit_surrogate(sample, sample_labels, columns, random_state=seed)
    for p in profiles:
        p.rules = [{"conditions": r.conditions, "coverage": r.coverage, "precision": r.precision}
                   for r in surrogate.rules.get(p.segment_id, [])]
    out.rules_summary, out.fidelity = surrogate.summary(), surrogate.fidelity

    Z = _space(kind, model, sample, columns)
    overlaps = overlapping(Z, sample_labels) if kind == "clustering" else []
    single = single_feature_driver(sample, sample_labels, columns) if kind in LEARNT_KINDS else None
    out.warnings = validity_warnings(profiles, min_size, overlaps, single, over_segmentation=kind in LEARNT_KINDS)

    if Z.shape[1] < 2:
        return out
    shown = rng.choice(len(Z), size=min(PROJECTION_POINTS, len(Z)), replace=False)
    xy = PCA(n_components=2, random_state=seed).fit(Z).transform(Z[shown])
    out.projection = [(round(float(x), 3), round(float(y), 3), int(s)) for (x, y), s in zip(xy, sample_labels[shown])]
    return out

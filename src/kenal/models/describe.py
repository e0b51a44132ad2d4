"""What each segment is: size, value, how it differs from everyone else, and a name.

Names are derived from the data only: the features whose segment centroid lies furthest from
the overall mean (in standard units) become the words of the name.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from kenal.models.density import OUTLIER
from kenal.models.mixture import UNCERTAIN
from kenal.models.segmentation import SHARE_PREFIX, Segmenter
from kenal.schema import protected_columns

THRESHOLD = 0.5  # standard units: a feature this far from the mean is distinctive
OUTLIERS = "Outliers"  # the name of segment -1: customers a density-based clustering left unassigned

# feature -> (word when high, word when low, where the word goes).  "lead" words open the name,
# "adj" words qualify it, "channel" and "category" words stand before the noun.
WORDS: dict[str, tuple[str | None, str | None, str]] = {
    "recency_days": ("lapsed", "recently active", "lead"),
    "tenure_days": (None, "new", "lead"),
    "frequency": ("frequent", "occasional", "adj"),
    "avg_basket": ("big-basket", "small-basket", "adj"),
    "return_rate": ("high-return", None, "adj"),
    "promo_visits": ("promo-driven", None, "adj"),
    "pricing_visits": ("price-checking", None, "adj"),
    "cart_abandonment": ("cart-abandoning", None, "adj"),
    "product_views": ("browsing-heavy", None, "adj"),
    "sessions": ("web-engaged", None, "adj"),
    "weekend_share": ("weekend", None, "adj"),
    "online_share": ("online", "in-store", "channel"),
}


@dataclass
class SegmentProfile:
    segment_id: int
    name: str
    size: int
    share: float
    revenue_share: float
    distinguishing: list[dict] = field(default_factory=list)  # feature, z, median, overall_median
    medians: dict[str, float] = field(default_factory=dict)
    persona: str = ""
    potential: dict[str, float | None] = field(default_factory=dict)  # see kenal.models.persona.potential
    rules: list[dict] = field(default_factory=list)  # conditions, coverage, precision (surrogate tree)
    uncertain_share: float | None = None  # Gaussian mixture: members whose membership probability is below 0.6
    voice: dict = field(default_factory=dict)  # NPS, CSAT, share of negative texts: see voice_summary

    def to_dict(self) -> dict:
        return asdict(self)


def _words(z: pd.Series) -> list[str]:
    lead, adj, channel, category = [], [], [], []
    for feature in z.abs().sort_values(ascending=False).index:
        value = z[feature]
        if abs(value) < THRESHOLD:
            break
        if feature.startswith(SHARE_PREFIX):
            if value > 0 and not category:
                category.append(feature[len(SHARE_PREFIX):].replace("_", " "))
            continue
        if feature not in WORDS:
            continue
        high, low, slot = WORDS[feature]
        word = high if value > 0 else low
        if word is None:
            continue
        {"lead": lead, "adj": adj, "channel": channel}[slot].append(word)
    return lead[:1] + adj[:2] + channel[:1] + category[:1]


def segment_name(z: pd.Series, is_buyer: bool, taken: set[str]) -> str:
    words = _words(z)
    noun = "shoppers" if is_buyer else "non-buyers"
    name = " ".join([*words, noun]) if words else f"Typical {noun}"
    name = name[0].upper() + name[1:]
    base, n = name, 2
    while name in taken:  # two segments alike in their top words: say which is which
        name, n = f"{base} ({n})", n + 1
    return name


class StandardisedMeanDifference:
    """How far a group's mean of each column lies from everyone's mean, in everyone's standard
    deviations (population, ddof=0; missing values left out); a column that does not vary has 0.
    Everyone's means and deviations are computed once for all the groups (at a million customers,
    computing them again per segment took most of a segmentation's time)."""

    def __init__(self, values: pd.DataFrame):
        self.columns = values.columns
        self.values = values.to_numpy(dtype=float)
        with _quiet_nan():
            self.mean = np.nanmean(self.values, axis=0)
            scale = np.nanstd(self.values, axis=0)
        self.scale = np.where(scale > 0, scale, np.nan)

    def __call__(self, mask: np.ndarray) -> pd.Series:
        with _quiet_nan():
            z = (np.nanmean(self.values[mask], axis=0) - self.mean) / self.scale
        return pd.Series(z, index=self.columns).fillna(0.0)


@contextmanager
def _quiet_nan():
    """A column no one (or no member) has a value in gives NaN, then 0, without NumPy's warnings."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def segment_revenue(features: pd.DataFrame) -> pd.Series:
    """Revenue of each customer (``monetary``), or zeros when the table has none."""
    return features["monetary"] if "monetary" in features else pd.Series(0.0, index=features.index)


# Attitudinal measures of a group, each pooled over its members' answers, ratings or texts (not a
# median of per-customer values): value column -> the column counting what it is an average of.
VOICE = {"nps": "nps_responses", "csat": "ratings", "avg_rating": "ratings", "negative_share": "texts"}


def _pooled(features: pd.DataFrame, mask: np.ndarray) -> dict:
    out = {}
    for value, weight in VOICE.items():
        if value in features.columns and weight in features.columns:
            w = features.loc[mask, weight].astype(float).fillna(0.0)
            v = features.loc[mask, value].astype(float).fillna(0.0)
            out[value] = float((v * w).sum() / w.sum()) if w.sum() > 0 else None
            out[weight] = int(w.sum())
    return out


def _everyone(features: pd.DataFrame) -> dict:
    """:func:`_pooled` over every customer."""
    return _pooled(features, np.ones(len(features), dtype=bool))


def voice_summary(features: pd.DataFrame, mask: np.ndarray, everyone: dict | None = None) -> dict:
    """A group's NPS (-100 to 100, over its members' answers), CSAT (share of 4-5 star ratings),
    average rating and share of negative texts, with how many answers, ratings and texts they rest
    on, and the same for everyone under "everyone" (``everyone``: computed already); {} when the
    features have none of them."""
    own = _pooled(features, mask)
    if not own:
        return {}
    return {**own, "everyone": everyone if everyone is not None else _everyone(features)}


def build_profile(segment_id: int, name: str, mask: np.ndarray, features: pd.DataFrame, z: pd.Series,
                  overall_medians: pd.Series, revenue: pd.Series, everyone: dict) -> SegmentProfile:
    """One segment's profile given each feature's effect size ``z`` (indexed by feature): the five
    features with the largest |z| are what distinguish it; medians are of ``z``'s features;
    ``everyone`` is the voice of all customers (:func:`_everyone`), computed once for all segments."""
    cols = list(z.index)
    medians = features.loc[mask, cols].median()
    top = z.abs().sort_values(ascending=False).index[:5]
    return SegmentProfile(
        segment_id=segment_id, name=name, size=int(mask.sum()), share=float(mask.mean()),
        revenue_share=float(revenue[mask].sum()) / (float(revenue.sum()) or 1.0),
        distinguishing=[{"feature": f, "z": round(float(z[f]), 3), "median": float(medians[f]),
                         "overall_median": float(overall_medians[f])} for f in top],
        medians={f: float(v) for f, v in medians.items()},
        voice=voice_summary(features, mask, everyone),
    )


def describe_segments(features: pd.DataFrame, labels: np.ndarray, model: Segmenter) -> list[SegmentProfile]:
    """Profiles of every segment, largest first in id order, then the customers left unassigned
    (segment -1, "Outliers") if any.  A model with membership probabilities (Gaussian mixture) says
    which share of each segment's members is uncertain."""
    cols = list(model.feature_names_in_)
    centers = pd.DataFrame(model.cluster_centers_, columns=cols) / model.weights_
    medians_all = features[cols].median()
    revenue = segment_revenue(features)
    probability = model.predict_proba(features).max(axis=1) if hasattr(model, "predict_proba") else None
    everyone = _everyone(features)
    profiles, taken = [], set()
    for seg in range(model.n_clusters_):
        mask = labels == seg
        z = centers.loc[seg]
        is_buyer = float(features.loc[mask, "frequency"].median()) >= 1 if "frequency" in features else True
        name = segment_name(z, is_buyer, taken)
        taken.add(name)
        profiles.append(build_profile(seg, name, mask, features, z, medians_all, revenue, everyone))
        if probability is not None:
            profiles[-1].uncertain_share = float((probability[mask] < UNCERTAIN).mean()) if mask.any() else 0.0
    outliers = labels == OUTLIER
    if outliers.any():  # described by their mean in the segments' space, as a segment by its centre
        z = pd.Series(model.space_.transform(features.loc[outliers]).mean(axis=0), index=cols) / model.weights_
        profiles.append(build_profile(OUTLIER, OUTLIERS, outliers, features, z, medians_all, revenue, everyone))
    return profiles


def describe_groups(features: pd.DataFrame, labels: np.ndarray, names: list[str]) -> list[SegmentProfile]:
    """Profiles of the non-empty segments, in segment-id order, for segments given by a rule
    (``names[k]`` is segment k's name).

    A segment is distinguished by the features whose member mean lies furthest from everyone's
    mean in everyone's standard deviations; every numeric column except the protected attributes
    is compared.
    """
    protected = protected_columns()
    cols = [c for c in features.columns if c != "customer_id" and c not in protected
            and (pd.api.types.is_numeric_dtype(features[c]) or pd.api.types.is_bool_dtype(features[c]))]
    numeric = features[cols].astype(float)
    overall_medians = numeric.median()
    revenue = segment_revenue(features)
    effect = StandardisedMeanDifference(numeric)
    everyone = _everyone(numeric)
    profiles = []
    for seg, name in enumerate(names):
        mask = labels == seg
        if mask.any():
            profiles.append(build_profile(seg, name, mask, numeric, effect(mask), overall_medians, revenue, everyone))
    return profiles

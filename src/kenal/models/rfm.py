"""Classic RFM segmentation: recency, frequency and monetary scores, and the named RFM map.

Scores
------
Each buyer (``frequency >= 1``) gets a score of 1..``n_bins`` (5 = best) on each of recency
(fewer days since the last purchase is better), frequency and monetary, by quantile *among
buyers only*: customers who never bought have no scores and do not move anyone else's.

A score is ``ceil(n_bins * p)`` where ``p`` is the customer's mid-rank percentile: the share of
buyers with a worse value plus half the share with the same value.  Why this rule:

* equal values get equal scores, and a customer's score does not depend on row order;
  ``pd.qcut`` fails on repeated edges and ``rank(method="first")`` splits ties by row order;
* a tie group gets the score of the bin that holds its middle.  ``rank(pct=True, method="max")``
  would give the 40% of buyers who bought once a frequency score of 2 (so no buyer scores 1);
  ``method="min"`` does the same at the top (a large tie of the highest value never scores 5);
* without ties and with a multiple of ``n_bins`` buyers the bins are exact quantiles;
* a tie group whose middle falls exactly on a bin edge takes the lower score, so with
  ``n_bins=5`` a frequency of 1 shared by exactly 40% of buyers scores 1, and by 50% scores 2;
* when every buyer has the same value (or there is one buyer), everyone gets the middle score
  (``ceil(n_bins / 2)``, 3 of 5): the value says nothing, so it neither rewards nor penalises.

The arithmetic is done in integers, so a tie group lying exactly on an edge is never pushed
across it by rounding.

Named segments
--------------
The map is Putler's published RFM table, in which a segment is a range of R and of the
combined score F/M = (F + M) / 2, on a 0-5 scale (A. Nair, "RFM Analysis For Successful Customer
Segmentation", Putler, https://www.putler.com/rfm-analysis/; the same ranges are reproduced at
https://docs.churned.io/churned-docs/dashboard-and-features/rfv-model-segment-best-practices/rfm-model
and, with separate F and M ranges, in the R package ``rfm`` 0.2.x ``rfm_segment`` example)::

    segment               R      F/M
    Champions             4-5    4-5
    Loyal                 2-5    3-5
    Potential loyalist    3-5    1-3
    New                   4-5    0-1
    Promising             3-4    0-1
    Need attention        2-3    2-3
    About to sleep        2-3    0-2
    At risk               0-2    2-5
    Can't lose them       0-1    4-5
    Hibernating           1-2    1-2
    Lost                  0-2    0-2

(Eight rows were checked against the churned.io copy; Promising, About to sleep and Can't lose
them against the ``rfm`` example, which gives them the same R and F, M ranges.)

Read as closed ranges of integer scores, the rows overlap in ways no order settles: tried in the
table's order, "New" and "Promising" (F/M 0-1) are never reached because "Potential loyalist"
(R 3-5, F/M 1-3) takes F/M = 1 first.  The lowest band is written "0-1", so we read every
range "a-b" as the band a < score <= b: R "4-5" is score 5, R "0-2" is scores 1 and 2, F/M "1-3"
is 1.5..3.  Read so, the table covers every (R, F/M) pair, and where
two rows overlap one lies wholly inside the other (Champions in Loyal, Can't lose them in At risk,
Hibernating in Lost): the inner, more specific row wins.  The resulting map for ``n_bins=5``::

    R \\ F/M   1              1.5-2               2.5-3               3.5-4        4.5-5
    5         New            Potential loyalist  Potential loyalist  Loyal        Champions
    4         Promising      Potential loyalist  Potential loyalist  Loyal        Loyal
    3         About to sleep About to sleep      Need attention      Loyal        Loyal
    2         Lost           Hibernating         At risk             At risk      At risk
    1         Lost           Lost                At risk             At risk      Can't lose them

For other ``n_bins`` a score s is placed on the same 0-5 scale as ``5 * s / n_bins``.

Segment ids are fixed: the position of the name in :data:`SEGMENT_NAMES` (Champions = 0, ...,
Lost = 10, "No purchase yet" = 11), whether or not a segment has members in this run, so that
id 3 is "New" in every run and segment migration between runs can be compared by id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin

from kenal.models.describe import SegmentProfile, describe_groups

NO_PURCHASE = "No purchase yet"

# name, R band (low, high], F/M band (low, high] on the 0-5 scale of the published table.
PUBLISHED_MAP: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("Champions", (4, 5), (4, 5)),
    ("Loyal", (2, 5), (3, 5)),
    ("Potential loyalist", (3, 5), (1, 3)),
    ("New", (4, 5), (0, 1)),
    ("Promising", (3, 4), (0, 1)),
    ("Need attention", (2, 3), (2, 3)),
    ("About to sleep", (2, 3), (0, 2)),
    ("At risk", (0, 2), (2, 5)),
    ("Can't lose them", (0, 1), (4, 5)),
    ("Hibernating", (1, 2), (1, 2)),
    ("Lost", (0, 2), (0, 2)),
)
SEGMENT_NAMES: tuple[str, ...] = tuple(name for name, _, _ in PUBLISHED_MAP) + (NO_PURCHASE,)
REQUIRED = ("customer_id", "recency_days", "frequency", "monetary")
SCALE = 5  # the published ranges are on a 0-5 scale


def _rows(r: int, fm_sum: int, n_bins: int) -> list[int]:
    # score s sits at SCALE * s / n_bins and F/M at SCALE * (f + m) / (2 * n_bins): compared in integers.
    return [i for i, (_, (r_lo, r_hi), (fm_lo, fm_hi)) in enumerate(PUBLISHED_MAP)
            if r_lo * n_bins < SCALE * r <= r_hi * n_bins
            and 2 * fm_lo * n_bins < SCALE * fm_sum <= 2 * fm_hi * n_bins]


def _area(row: int) -> int:
    _, (r_lo, r_hi), (fm_lo, fm_hi) = PUBLISHED_MAP[row]
    return (r_hi - r_lo) * (fm_hi - fm_lo)


def _innermost(r: int, fm_sum: int, n_bins: int) -> int:
    rows = _rows(r, fm_sum, n_bins)
    if not rows:
        raise ValueError(f"scores r={r}, f+m={fm_sum} are outside 1..{n_bins}")
    return min(rows, key=_area)


def matching_rows(r: int, f: int, m: int, n_bins: int = 5) -> list[int]:
    """Indices into :data:`PUBLISHED_MAP` of every row whose ranges contain the scores."""
    return _rows(r, f + m, n_bins)


def segment_id(r: int, f: int, m: int, n_bins: int = 5) -> int:
    """Segment id of one buyer's scores: the innermost published row that contains them."""
    return _innermost(r, f + m, n_bins)


def segment_for(r: int, f: int, m: int, n_bins: int = 5) -> str:
    """Name of the segment of one buyer's scores."""
    return SEGMENT_NAMES[segment_id(r, f, m, n_bins)]


def _scores(values: np.ndarray, reference: np.ndarray, n_bins: int) -> np.ndarray:
    """ceil(n_bins * mid-rank percentile of each value among ``reference`` (sorted)), in integers."""
    below = np.searchsorted(reference, values, side="left")
    at_most = np.searchsorted(reference, values, side="right")
    # p = (below + equal / 2) / n = (below + at_most) / (2 n);  ceil(a / b) = -(-a // b)
    scores = -(-(n_bins * (below + at_most)) // (2 * len(reference)))
    return np.clip(scores, 1, n_bins).astype(np.int64)


class RFMSegmenter(ClusterMixin, BaseEstimator):
    """RFM scores by quantile among buyers, and the named RFM segments.

    Parameters
    ----------
    n_bins : number of score levels on each of R, F and M (5 gives the classic quintiles).

    Attributes
    ----------
    scores_ : DataFrame with the input's index: ``customer_id``, ``r``, ``f``, ``m`` (nullable
        integers 1..n_bins, 5 best; missing for customers without a purchase), ``fm`` = (f + m) / 2
        and ``segment`` (name).
    labels_ : segment id of each training row (fixed ids, see :data:`SEGMENT_NAMES`).
    segment_names_ : list, segment id -> name; the same for every fit.
    n_buyers_ : number of customers with at least one purchase, among whom scores are quantiles.
    reference_ : dict ``"r"``, ``"f"``, ``"m"`` -> the buyers' sorted values (recency negated, so that
        higher is better) against which :meth:`predict` places customers.
    """

    def __init__(self, n_bins: int = 5):
        self.n_bins = n_bins

    @staticmethod
    def _check(features: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in REQUIRED if c not in features.columns]
        if missing:
            raise ValueError(f"the feature table has no column {', '.join(map(repr, missing))}; RFM needs "
                             f"{', '.join(REQUIRED)} (one row per customer)")
        values = features[list(REQUIRED[1:])].apply(pd.to_numeric, errors="coerce").astype(float)
        for col in REQUIRED[1:]:
            bad = values[col].isna() | (values[col] < 0)
            if bad.any():
                i = bad.to_numpy().nonzero()[0][0]
                who, value = (v.item() if isinstance(v, np.generic) else v
                              for v in (features["customer_id"].iloc[i], features[col].iloc[i]))
                raise ValueError(f"column {col!r} must be a number >= 0 for every customer; customer "
                                 f"{who!r} has {value!r}")
        return values

    def fit(self, features: pd.DataFrame, y=None) -> "RFMSegmenter":
        if int(self.n_bins) != self.n_bins or self.n_bins < 2:
            raise ValueError(f"n_bins must be an integer >= 2, got {self.n_bins!r}")
        values = self._check(features)
        buyers = values[values.frequency >= 1]
        self.n_buyers_ = len(buyers)
        self.reference_ = {"r": np.sort(-buyers.recency_days.to_numpy()),
                           "f": np.sort(buyers.frequency.to_numpy()),
                           "m": np.sort(buyers.monetary.to_numpy())}
        self.segment_names_ = list(SEGMENT_NAMES)
        self.scores_, self.labels_ = self._score(features, values)
        return self

    def _score(self, features: pd.DataFrame, values: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        """Scores and segment names (aligned with ``features``) and segment ids."""
        n = int(self.n_bins)
        buyer = (values.frequency >= 1).to_numpy()
        if buyer.any() and len(self.reference_["f"]) == 0:
            raise ValueError("the model was fitted on customers without purchases, so buyers cannot be scored")
        raw = {"r": -values.recency_days.to_numpy(), "f": values.frequency.to_numpy(), "m": values.monetary.to_numpy()}
        scores = {c: _scores(raw[c][buyer], self.reference_[c], n) for c in "rfm"}
        # segment id of every (r, f + m): a lookup table of (n + 1) x (2n + 1) cells
        table = np.full((n + 1, 2 * n + 1), -1, dtype=np.int64)
        for r in range(1, n + 1):
            for fm_sum in range(2, 2 * n + 1):
                table[r, fm_sum] = _innermost(r, fm_sum, n)
        ids = np.full(len(values), SEGMENT_NAMES.index(NO_PURCHASE), dtype=np.int64)
        ids[buyer] = table[scores["r"], scores["f"] + scores["m"]]
        out = pd.DataFrame({"customer_id": features["customer_id"].to_numpy()}, index=features.index)
        for c in "rfm":
            out[c] = pd.Series(pd.NA, index=features.index, dtype="Int64")
            out.loc[buyer, c] = scores[c]
        out["fm"] = (out.f + out.m).astype("Float64") / 2
        out["segment"] = np.asarray(SEGMENT_NAMES, dtype=object)[ids]
        return out, ids

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Segment ids of customers placed among the buyers seen in ``fit`` (on the training table
        this equals ``labels_``)."""
        return self._score(features, self._check(features))[1]


def describe_rfm(features: pd.DataFrame, model: RFMSegmenter) -> list[SegmentProfile]:
    """Profiles of the non-empty RFM segments of ``model``'s training table (:func:`describe_groups`)."""
    labels = model.labels_
    if len(labels) != len(features):
        raise ValueError(f"the model was fitted on {len(labels)} customers but {len(features)} were passed; "
                         "describe the table the model was fitted on")
    return describe_groups(features, labels, model.segment_names_)

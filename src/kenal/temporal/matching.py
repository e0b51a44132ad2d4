"""Stable segment ids: a re-fit's segments matched to the previous snapshot's.

The new snapshot's customers are assigned by the previous model and by the new one; the overlap of
the two assignments (Jaccard index of each old and new segment's members) is matched one-to-one by
the Hungarian algorithm among the pairs that overlap at least ``min_jaccard``; a pair that overlaps
less is not the same group: the new segment is new, the old one vanished.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

MIN_JACCARD = 0.5


@dataclass
class Matching:
    mapping: dict[int, int]  # new segment -> the old segment it continues
    jaccard: dict[int, float]  # new segment -> overlap with that old segment
    new: list[int] = field(default_factory=list)  # new segments with no predecessor
    vanished: list[int] = field(default_factory=list)  # old segments with no successor


def match_segments(old_labels: np.ndarray, new_labels: np.ndarray, min_jaccard: float = MIN_JACCARD) -> Matching:
    """Match the segments of two assignments of the same customers (negative labels, unassigned
    customers, take no part)."""
    old_labels, new_labels = np.asarray(old_labels), np.asarray(new_labels)
    keep = (old_labels >= 0) & (new_labels >= 0)
    table = pd.crosstab(old_labels[keep], new_labels[keep])
    old_ids, new_ids = table.index.to_numpy(), table.columns.to_numpy()
    both = table.to_numpy(dtype=float)
    union = both.sum(axis=1, keepdims=True) + both.sum(axis=0, keepdims=True) - both
    jaccard = np.divide(both, union, out=np.zeros_like(both), where=union > 0)
    # Only pairs that are the same group compete: maximising the total over every pair would let two
    # weak pairs (each dropped below) outweigh one that qualifies, e.g. a segment that keeps its
    # core (0.51) while a small neighbour dissolves into it and the freed centre splits off its rest
    # (0.30 + 0.28): both would vanish and a third of the customers change id (bench, March 2026).
    rows, cols = linear_sum_assignment(-np.where(jaccard >= min_jaccard, jaccard, 0.0))
    mapping, overlap = {}, {}
    for r, c in zip(rows, cols):
        if jaccard[r, c] >= min_jaccard:
            mapping[int(new_ids[c])] = int(old_ids[r])
            overlap[int(new_ids[c])] = float(jaccard[r, c])
    all_new = sorted(set(np.unique(new_labels[new_labels >= 0]).tolist()))
    all_old = sorted(set(np.unique(old_labels[old_labels >= 0]).tolist()))
    return Matching(mapping, overlap, new=[s for s in all_new if s not in mapping],
                    vanished=[s for s in all_old if s not in mapping.values()])


def stable_ids(matching: Matching, next_id: int) -> dict[int, int]:
    """New segment -> its stable id: the old id it continues, or the next id never used (from
    ``next_id`` on: a vanished segment's id is not given to another)."""
    ids = dict(matching.mapping)
    for s in matching.new:
        ids[s], next_id = next_id, next_id + 1
    return ids

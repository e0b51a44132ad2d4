"""Warnings that a segmentation may not be worth acting on as it stands.

- a segment too small to act on (fewer than ``min_size`` customers);
- two segments that overlap heavily: along the line between their centres (in the space the
  segments were found in) there is no gap, as when one group was split in two;
- more segments than the data support: several segments are too small or overlap another;
- a segment one threshold on one feature reproduces: it says little beyond that feature.
"""

from __future__ import annotations

import numpy as np

from kenal.models.describe import SegmentProfile
from kenal.models.surrogate import condition_text

DEFAULT_MIN_SIZE = 100
VALLEY = 0.5  # density halfway between two centres, relative to that at the centres, that is no gap
WINDOW = 0.1  # of the distance between the centres: the neighbourhood a density is counted in


def too_small(profiles: list[SegmentProfile], min_size: int) -> list[int]:
    return [p.segment_id for p in profiles if p.size < min_size]


def overlapping(Z: np.ndarray, labels: np.ndarray, min_valley: float = VALLEY) -> list[tuple[int, int, float]]:
    """Pairs (i, j, valley) with no gap between them: along the line joining their centres, the
    two segments' members lie about as densely halfway as at the centres (``valley`` is that ratio;
    a split of one group has about 1, two distinct groups about 0)."""
    segments = [s for s in np.unique(labels) if s >= 0]
    centres = {s: Z[labels == s].mean(axis=0) for s in segments}
    pairs = []
    for a, i in enumerate(segments):
        for j in segments[a + 1:]:
            line = centres[j] - centres[i]
            length = float(line @ line)
            if length == 0:
                pairs.append((int(i), int(j), 1.0))
                continue
            members = Z[(labels == i) | (labels == j)]
            position = (members - centres[i]) @ line / length  # 0 at i's centre, 1 at j's
            density = [float(np.mean(np.abs(position - x) < WINDOW)) for x in (0.0, 0.5, 1.0)]
            valley = density[1] / (min(density[0], density[2]) or 1.0)
            if valley >= min_valley:
                pairs.append((int(i), int(j), valley))
    return pairs


def validity_warnings(profiles: list[SegmentProfile], min_size: int = DEFAULT_MIN_SIZE,
                      overlaps: list[tuple[int, int, float]] = (),
                      single_feature: dict[int, tuple[dict, float]] | None = None,
                      over_segmentation: bool = True) -> list[str]:
    """Sentences a user reads beside the segmentation; empty when nothing is wrong."""
    names = {p.segment_id: p.name for p in profiles}
    sizes = {p.segment_id: p.size for p in profiles}
    warnings = []
    small = too_small(profiles, min_size)
    for s in small:
        warnings.append(f"Segment {s} ({names[s]}) has {sizes[s]:,} customers, fewer than the {min_size:,} needed to "
                        "act on it (min_segment_size).")
    for i, j, valley in overlaps:
        warnings.append(f"Segments {i} ({names[i]}) and {j} ({names[j]}) overlap heavily: halfway between their "
                        f"centres customers are {valley:.0%} as dense as at the centres, so there is no gap between "
                        "them.")
    doubtful = set(small) | {s for i, j, *_ in overlaps for s in (i, j)}
    if over_segmentation and len(doubtful) >= 2 and len(profiles) > 2:
        warnings.append(f"Too many segments for the data: {len(doubtful)} of {len(profiles)} are too small or "
                        "overlap another; fewer segments would describe these customers as well.")
    for s, (condition, f1) in sorted((single_feature or {}).items()):
        warnings.append(f"Segment {s} ({names[s]}) is driven by a single feature: {condition_text(condition)} "
                        f"alone reproduces it (F1 {f1:.2f}); a rule segment would do.")
    return warnings

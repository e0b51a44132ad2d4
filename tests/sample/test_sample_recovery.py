"""The planted segments are in the data: plain features + KMeans recover them (ARI >= 0.92).

The segmentation stage must reach ARI >= 0.85; this test keeps a margin above that with the
simplest possible pipeline, computed from the input tables only (see sample_features.py).
"""

from __future__ import annotations

import pytest
from sample_features import CUTOFF, recover_ari

from kenal.sample import generate_sample


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_segments_recoverable_with_kmeans(seed):
    data = generate_sample(20_000, seed=seed, cutoff=CUTOFF)
    assert recover_ari(data.tables, data.truth, CUTOFF) >= 0.92

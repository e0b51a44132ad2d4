"""Shared samples: generating is the slow part, so each size and seed is made once per session."""

from __future__ import annotations

import pytest

from sample_features import CUTOFF

from kenal.sample import SampleData, generate_sample

N = 2_000
SEED = 7


@pytest.fixture(scope="session")
def dirty() -> SampleData:
    return generate_sample(N, seed=SEED, cutoff=CUTOFF, defects=True)


@pytest.fixture(scope="session")
def clean() -> SampleData:
    return generate_sample(N, seed=SEED, cutoff=CUTOFF, defects=False)


@pytest.fixture(params=["dirty", "clean"])
def sample(request) -> SampleData:
    return request.getfixturevalue(request.param)

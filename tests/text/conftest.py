"""Shared samples for the text tests: generating is the slow part, so each is made once."""

from __future__ import annotations

import pytest

from kenal.sample import SampleData, generate_sample

CUTOFF = "2026-06-30"


@pytest.fixture(scope="session")
def dirty() -> SampleData:
    return generate_sample(2_000, seed=7, cutoff=CUTOFF)


@pytest.fixture(scope="session")
def clean() -> SampleData:
    return generate_sample(2_000, seed=7, cutoff=CUTOFF, defects=False)


@pytest.fixture(scope="session")
def large() -> SampleData:
    """20,000 customers (about 20,000 texts, 400 of them spam); takes about 25 s to make."""
    return generate_sample(20_000, seed=1)

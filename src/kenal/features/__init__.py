"""Features: the per-customer feature table of a snapshot, built in the store."""

from kenal.features.build import build_features
from kenal.features.consent import profiling_allowed

__all__ = ["build_features", "profiling_allowed"]

"""Models: fitted in memory on the per-customer feature table."""

from kenal.models.describe import SegmentProfile, describe_segments
from kenal.models.segmentation import BehaviouralSegmenter

__all__ = ["BehaviouralSegmenter", "SegmentProfile", "describe_segments"]

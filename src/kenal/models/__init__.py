"""Models: fitted in memory on the per-customer feature table."""

from kenal.models.describe import SegmentProfile, describe_segments
from kenal.models.rfm import RFMSegmenter, describe_rfm
from kenal.models.segmentation import BehaviouralSegmenter

__all__ = ["BehaviouralSegmenter", "RFMSegmenter", "SegmentProfile", "describe_rfm", "describe_segments"]

"""Models: fitted in memory on the per-customer feature table."""

from kenal.models.describe import SegmentProfile, describe_groups, describe_segments
from kenal.models.grouping import AgeBands, CategoryGroups, ValueTiers
from kenal.models.lifecycle import LifecycleSegmenter
from kenal.models.rfm import RFMSegmenter, describe_rfm
from kenal.models.segmentation import BehaviouralSegmenter

__all__ = ["AgeBands", "BehaviouralSegmenter", "CategoryGroups", "LifecycleSegmenter", "RFMSegmenter", "SegmentProfile",
           "ValueTiers", "describe_groups", "describe_rfm", "describe_segments"]

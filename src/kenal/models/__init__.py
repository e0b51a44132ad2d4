"""Models: fitted in memory on the per-customer feature table."""

from kenal.models.clustering import METHODS, segmenter, segmenter_from_record
from kenal.models.density import DensitySegmenter
from kenal.models.describe import SegmentProfile, describe_groups, describe_segments
from kenal.models.grouping import AgeBands, CategoryGroups, ValueTiers
from kenal.models.kprototypes import KPrototypesSegmenter
from kenal.models.learnt import LabelLearner
from kenal.models.lifecycle import LifecycleSegmenter
from kenal.models.mixture import MixtureSegmenter
from kenal.models.rfm import RFMSegmenter, describe_rfm
from kenal.models.segmentation import BehaviouralSegmenter, FeatureSpace, Segmenter

__all__ = ["AgeBands", "BehaviouralSegmenter", "CategoryGroups", "DensitySegmenter", "FeatureSpace",
           "KPrototypesSegmenter", "LabelLearner", "LifecycleSegmenter", "METHODS", "MixtureSegmenter", "RFMSegmenter",
           "SegmentProfile", "Segmenter", "ValueTiers", "describe_groups", "describe_rfm", "describe_segments",
           "segmenter", "segmenter_from_record"]

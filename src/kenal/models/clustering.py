"""The clustering methods a ``kind = "clustering"`` segmentation may name, by their kenal.toml name."""

from __future__ import annotations

from kenal.models.density import DensitySegmenter
from kenal.models.kprototypes import KPrototypesSegmenter
from kenal.models.mixture import MixtureSegmenter
from kenal.models.segmentation import BehaviouralSegmenter, Segmenter

METHODS: dict[str, type[Segmenter]] = {
    "kmeans": BehaviouralSegmenter,
    "gmm": MixtureSegmenter,
    "hdbscan": DensitySegmenter,
    "kprototypes": KPrototypesSegmenter,
}


def segmenter(method: str = "kmeans", **params) -> Segmenter:
    """An unfitted segmenter of ``method`` (a key of :data:`METHODS`) with ``params``."""
    if method not in METHODS:
        raise ValueError(f"clustering method {method!r} is not known; expected one of {', '.join(METHODS)}")
    return METHODS[method](**params)


def segmenter_from_record(record: dict) -> Segmenter:
    """The fitted segmenter whose ``record()`` is ``record`` (as stored in segmentation_runs): it
    assigns customers exactly as the original did."""
    model = METHODS[record["method"]]()
    model._load(record)
    return model

"""Activation: getting results out to the tools teams use."""

from kenal.activation.export import export_segments

__all__ = ["export_segments"]

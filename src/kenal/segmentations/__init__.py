"""Segmentations: every named segmentation configured in ``kenal.toml``, fitted, assigned in the
engine and described.  (Kept free of imports so reading settings stays fast.)"""

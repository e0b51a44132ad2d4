"""kenal: know your customers.

Public API: the stages of the flow, each usable on its own.
"""

from kenal.activation import export_segments
from kenal.config import Settings, load_settings
from kenal.errors import ConfigError, ConsentError, KenalError, SourceError, WorkspaceError
from kenal.features import build_features
from kenal.health import HealthReport, health_summary
from kenal.ingest import IngestReport, ingest
from kenal.models import BehaviouralSegmenter, SegmentProfile, describe_segments
from kenal.pipeline import RunResult, run
from kenal.store import Store

__version__ = "0.1.0"
__all__ = [
    "BehaviouralSegmenter", "ConfigError", "ConsentError", "HealthReport", "IngestReport", "KenalError",
    "RunResult", "SegmentProfile", "Settings", "SourceError", "Store", "WorkspaceError", "build_features",
    "describe_segments", "export_segments", "health_summary", "ingest", "load_settings", "run",
]

"""Workspace settings, read from ``W/kenal.toml``.

Every setting has a default so a new workspace needs no file; the file, once written, records
the settings a run used so the next run is the same run.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kenal.errors import ConfigError
from kenal.segmentations.spec import DEFAULT_SEGMENTATIONS, SegmentationSpec, parse_segmentations, toml_value

CONFIG_FILE = "kenal.toml"

# [scores]: option -> (check, what the check expects); the defaults are ScoreSettings'
_NUMBER = (int, float)


def split_propensity(text: str) -> tuple[str, int] | None:
    """"electronics:30" -> ("electronics", 30); a bare category means 30 days; None if malformed."""
    category, _, days = str(text).partition(":")
    try:
        n = int(days) if days else 30
    except ValueError:
        return None
    return (category.strip().lower(), n) if category.strip() and n >= 1 else None


SCORE_OPTIONS = {
    "enabled": (lambda v: isinstance(v, bool), "true or false"),
    "horizon_days": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                     "a whole number of days, at least 1"),
    "target_recall": (lambda v: isinstance(v, _NUMBER) and not isinstance(v, bool) and 0 < v <= 1,
                      "a share above 0 and at most 1"),
    "propensities": (lambda v: isinstance(v, list) and all(isinstance(x, str) and split_propensity(x) for x in v),
                     'a list of "category:days" strings, e.g. ["electronics:30"]'),
    "n_snapshots": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 3,
                    "a whole number, at least 3 (two snapshots to tune on, one to calibrate on)"),
    "calibration": (lambda v: v in ("sigmoid", "isotonic"), "'sigmoid' or 'isotonic'"),
    "validate": (lambda v: isinstance(v, bool), "true or false"),
}


@dataclass(frozen=True)
class ScoreSettings:
    """The ``[scores]`` table: whether ``kenal run`` scores its snapshot, and how (``kenal.scores.ScoreOptions``;
    ``kenal score`` options override these)."""

    enabled: bool = False  # off by default: training takes minutes and needs a year or more of purchases
    horizon_days: int = 90  # churn: no purchase in this many days
    target_recall: float = 0.8  # the threshold flags this share of the churners
    propensities: tuple[str, ...] = ()  # "category:days": buys in the category in the next days
    n_snapshots: int = 4  # training snapshots per score
    calibration: str = "sigmoid"  # sigmoid (Platt) or isotonic
    validate: bool = True  # out-of-time validation (trains every score a second time)


def parse_scores(table, where: Path | str = CONFIG_FILE) -> ScoreSettings:
    """The ``[scores]`` table of kenal.toml, checked: an unknown option or a bad value names the file, the
    option, the value and what was expected."""
    label = f"{where}: [scores]"
    known = [f.name for f in fields(ScoreSettings)]
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: scores = {table!r} is not a table; expected a [scores] table with "
                          f"options {', '.join(known)}")
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ConfigError(f"{label}: unknown option(s) {', '.join(unknown)}; known: {', '.join(known)}")
    for option, value in table.items():
        check, expected = SCORE_OPTIONS[option]
        if not check(value):
            raise ConfigError(f"{label}: {option} = {value!r} is not {expected}")
    values = dict(table)
    if "propensities" in values:
        values["propensities"] = tuple(x.strip() for x in values["propensities"])
    if "target_recall" in values:
        values["target_recall"] = float(values["target_recall"])
    return ScoreSettings(**values)


ENGINES = ("duckdb", "spark", "postgres")
INT_SETTINGS = ("seed", "max_segments", "session_cap_hours", "near_duplicate_minutes", "spark_partitions",
                "min_segment_size")


@dataclass(frozen=True)
class Settings:
    timezone: str = "Asia/Jakarta"  # zone of naive timestamps in the input
    base_currency: str = "IDR"  # every amount is converted to this currency
    seed: int = 0
    engine: str = "duckdb"  # duckdb (embedded), spark or postgres
    dsn: str = ""  # PostgreSQL connection string, for engine = "postgres"
    spark_master: str = "local[*]"
    spark_path: str = ""  # where Spark keeps the tables (a path or URI); default: W/spark
    spark_partitions: int = 8  # shuffle partitions; Spark's 200 is for clusters, not one machine
    spark_memory: str = "4g"  # the Spark driver's heap (local mode runs everything in the driver)
    memory_limit: str = "4GB"  # DuckDB's memory limit; beyond it, work spills to the workspace
    consent_default: str = "deny"  # a customer with no profiling consent record is "deny"-ed or "grant"-ed
    max_segments: int = 12
    min_segment_size: int = 100  # a segment with fewer customers is too small to act on (a validity warning)
    session_cap_hours: int = 12  # a longer session counts once per started period (Adobe's visit cap)
    near_duplicate_minutes: int = 10  # same customer, same amount within this window: a double submit
    # The named segmentations a run produces ([segmentations.NAME] tables in kenal.toml).
    segmentations: tuple[SegmentationSpec, ...] = DEFAULT_SEGMENTATIONS
    # Churn and propensity scores ([scores] in kenal.toml): part of kenal run only when enabled.
    scores: ScoreSettings = ScoreSettings()

    def __post_init__(self):
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"timezone '{self.timezone}' is not a known IANA time zone "
                              "(expected e.g. 'Asia/Jakarta')") from None
        if len(self.base_currency) != 3 or not self.base_currency.isalpha():
            raise ConfigError(f"base_currency '{self.base_currency}' is not a 3-letter ISO 4217 code")
        if self.engine not in ENGINES:
            raise ConfigError(f"engine '{self.engine}' is not supported; expected one of {', '.join(ENGINES)}")
        if self.consent_default not in ("deny", "grant"):
            raise ConfigError(f"consent_default '{self.consent_default}' must be 'deny' or 'grant'")
        if not 2 <= self.max_segments <= 50:
            raise ConfigError(f"max_segments {self.max_segments} must be between 2 and 50")
        if not self.segmentations:
            raise ConfigError("no segmentation is configured; add a [segmentations.NAME] table to kenal.toml")
        for name in ("session_cap_hours", "near_duplicate_minutes", "spark_partitions", "min_segment_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} {getattr(self, name)} must be at least 1")

    def local(self, moment: datetime) -> datetime:
        """``moment`` on the workspace's clock, for dates shown to people."""
        return moment.astimezone(ZoneInfo(self.timezone))

    def to_toml(self) -> str:
        lines = ["# kenal workspace settings"]
        for key, value in asdict(self).items():
            if key in ("segmentations", "scores"):
                continue
            if key == "dsn" and _has_password(value):
                lines.append("# dsn holds a password: give it as KENAL_DSN or --dsn, not in this file")
                continue
            lines.append(f"{key} = {toml_value(value)}")
        lines += ["", "# enabled = true: kenal run also trains and stores the churn and propensity scores (minutes;",
                  "# needs a year or more of purchases); kenal score does it on its own", "[scores]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in asdict(self.scores).items()]
        for spec in self.segmentations:
            lines += ["", f"[segmentations.{spec.name}]", f"kind = {toml_value(spec.kind)}"]
            lines += [f"{k} = {toml_value(v)}" for k, v in spec.options.items()]
        return "\n".join(lines) + "\n"


def _has_password(dsn: str) -> bool:
    return "password=" in dsn or bool(re.search(r"://[^/@]*:[^/@]*@", dsn))


def load_settings(workspace: Path, **overrides) -> Settings:
    """Settings from ``workspace/kenal.toml``, then ``KENAL_<NAME>`` variables, then overrides."""
    values: dict = {}
    path = Path(workspace) / CONFIG_FILE
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    known = {f.name: f.type for f in fields(Settings)}
    if "segmentation" in values:
        raise ConfigError(f"{path}: the setting 'segmentation' was replaced by [segmentations.NAME] tables; "
                          "to cluster below 10,000 customers, set auto = false under [segmentations.behavioural]")
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
    for name in known.keys() - {"segmentations", "scores"}:  # tables: kenal.toml only
        env = os.environ.get(f"KENAL_{name.upper()}")
        if env is not None:
            values[name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    if "segmentations" in values and isinstance(values["segmentations"], dict):
        values["segmentations"] = parse_segmentations(values["segmentations"], path)
    if "scores" in values and not isinstance(values["scores"], ScoreSettings):
        values["scores"] = parse_scores(values["scores"], path)
    for name in INT_SETTINGS:
        if name in values:
            try:
                values[name] = int(values[name])
            except (TypeError, ValueError):
                raise ConfigError(f"setting '{name}' must be a whole number, got {values[name]!r}") from None
    return Settings(**values)

"""What a ``[segmentations.NAME]`` table in kenal.toml may say, checked when settings are read.

    [segmentations.behavioural]
    kind = "clustering"        # clustering, rfm, lifecycle, value, geographic, technographic, demographic, rules, learnt
    method = "kmeans"          # clustering only: kmeans, gmm, hdbscan or kprototypes
    features = "recent"        # clustering only: "lifetime", "recent" or a list of feature columns
    auto = true                # clustering only: run it only when the data suffice (see health)

Every kind's options and their defaults are in :data:`KINDS`; an unknown kind or option, or a
value of the wrong type, is a ConfigError naming the segmentation, the option and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kenal.errors import ConfigError

# kind -> option -> (default, check, what the check expects)
_BOOL = (lambda v: isinstance(v, bool), "true or false")
_SHARE = (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1, "a share in [0, 1)")


def _tiers(v) -> bool:
    return (isinstance(v, list) and len(v) >= 1 and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                       and x > 0 for x in v) and sum(v) < 1)


def _bands(v) -> bool:
    return (isinstance(v, list) and len(v) >= 1 and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
            and v == sorted(set(v)) and v[0] > 0)


# k-means: a customer moves to another segment only when its centre is nearer by more than this share
HYSTERESIS = 0.2
# kenal.models.METHODS: k-means (default), Gaussian mixture, HDBSCAN (outliers left out), k-prototypes
CLUSTERING_METHODS = ("kmeans", "gmm", "hdbscan", "kprototypes")

FEATURE_PRESETS = ("lifetime", "recent")  # kenal.models.segmentation.PRESETS


def _features(v) -> bool:
    return v in FEATURE_PRESETS or (isinstance(v, list) and len(v) > 0 and len(set(v)) == len(v)
                                    and all(isinstance(x, str) and x.strip() for x in v))


KINDS: dict[str, dict[str, tuple[Any, Any, str]]] = {
    "clustering": {"method": ("kmeans", lambda v: v in CLUSTERING_METHODS,
                              "one of " + ", ".join(f"'{m}'" for m in CLUSTERING_METHODS[:-1])
                              + f" or '{CLUSTERING_METHODS[-1]}'"),
                   "auto": (True, *_BOOL),
                   # lifetime totals (default), the 30 / 90-day windows and their trend, or named columns
                   "features": ("lifetime", _features, "'lifetime', 'recent' or a list of feature column names"),
                   # continuity across snapshots (kenal.segmentations.continuity)
                   "refit_days": (30, lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                                  "a whole number of days, at least 1"),
                   "max_psi": (0.25, lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0,
                               "a population stability index above 0 (0.25: a major shift)"),
                   "hysteresis": (HYSTERESIS, *_SHARE),
                   "stable_ids": (True, *_BOOL)},  # false: every run fits afresh, numbered by size
    "rfm": {"bins": (5, lambda v: isinstance(v, int) and not isinstance(v, bool) and 3 <= v <= 10,
                     "a whole number from 3 to 10")},
    "lifecycle": {},
    "value": {"tiers": ([0.01, 0.09, 0.40], _tiers,
                        "a list of shares of customers from the top, each above 0, summing to less than 1")},
    "geographic": {"level": ("region", lambda v: v in ("region", "city"), "'region' or 'city'"),
                   "min_share": (0.01, *_SHARE)},
    "technographic": {},
    # protected attributes: descriptive only (never a feature, never exported), so only when configured
    "demographic": {"attribute": ("age", lambda v: v in ("age", "gender"), "'age' or 'gender'"),
                    "bands": ([25, 35, 45, 55, 65], _bands, "a list of increasing ages above 0")},
    # written by the analyst: the first segment whose rule holds (kenal.rules), else the default
    "rules": {"segments": ([], lambda v: isinstance(v, list) and len(v) > 0,
                           'a list of {name = "...", rule = "..."} tables, at least one, in priority order'),
              "default": ("Everyone else", lambda v: isinstance(v, str) and v.strip() != "", "a segment name")},
    # learnt from the analyst's examples (kenal.models.learnt): labels is required, so its default fails the check
    "learnt": {"labels": ("", lambda v: isinstance(v, str) and v.strip().lower().endswith((".csv", ".parquet")),
                          "the path of a .csv or .parquet file with columns customer_id and label (relative to "
                          "the workspace folder, or absolute)"),
               "min_confidence": (0.0, *_SHARE)},
}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class SegmentationSpec:
    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)  # every option of the kind, defaults filled in

    def __getitem__(self, option: str) -> Any:
        return self.options[option]


def spec(name: str, kind: str, where: str = "kenal.toml", **given) -> SegmentationSpec:
    """A checked spec with every option of its kind (defaults for those not given)."""
    label = f"{where}: [segmentations.{name}]"
    if not NAME.match(name):
        raise ConfigError(f"{label}: a segmentation name is lower-case letters, digits and _ (starting with a "
                          "letter, at most 40 characters)")
    if kind not in KINDS:
        raise ConfigError(f"{label}: kind '{kind}' is not known; expected one of {', '.join(KINDS)}")
    options = KINDS[kind]
    unknown = sorted(set(given) - set(options))
    if unknown:
        known = ", ".join(options) or "none"
        raise ConfigError(f"{label}: unknown option(s) {', '.join(unknown)} for kind '{kind}'; known: {known}")
    values = {}
    for option, (default, check, expected) in options.items():
        value = given.get(option, default)
        if not check(value):
            raise ConfigError(f"{label}: {option} = {value!r} is not {expected}")
        values[option] = value
    if kind == "rules":  # parsed now, so a typo stops the run before any work
        from kenal.rules import check_segments  # imported here: kenal.rules reads the store, which reads settings

        values["segments"] = check_segments(values["segments"], values["default"], label)
    return SegmentationSpec(name, kind, values)


def parse_segmentations(tables: dict, path: Path | str) -> tuple[SegmentationSpec, ...]:
    """The ``[segmentations.*]`` tables of kenal.toml, in file order."""
    specs = []
    for name, table in tables.items():
        if not isinstance(table, dict) or "kind" not in table:
            raise ConfigError(f"{path}: [segmentations.{name}] needs a kind; expected one of {', '.join(KINDS)}")
        given = dict(table)
        specs.append(spec(name, given.pop("kind"), str(path), **given))
    return tuple(specs)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table, e.g. a rule segment
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# What a run produces when kenal.toml names no segmentation.
DEFAULT_SEGMENTATIONS: tuple[SegmentationSpec, ...] = (
    spec("behavioural", "clustering"),
    spec("rfm", "rfm"),
    spec("lifecycle", "lifecycle"),
    spec("value", "value"),
    spec("geographic", "geographic"),
    spec("technographic", "technographic"),
)

"""A/B uplift: did a campaign (or a new model's targeting) change what customers did, per segment,
and how sure can we be?  This is how a team proves in the real world that a model earns its keep.

Input is one row per customer: the group (treatment or control), the outcome (converted 0/1, or an
amount such as revenue) and optionally a segment.  Per segment and overall: the outcome in each
group, the absolute uplift (treatment - control) with a confidence interval, the relative uplift and
a two-sided p-value, Holm-adjusted across segments (look at 20 segments and one will look
"significant" at 5% by chance).

- Binary outcomes: Newcombe's hybrid score interval (1998, method 10) for the difference of two
  proportions, built from each group's Wilson interval.  Unlike the textbook Wald interval it keeps
  its coverage at small n and at rates near 0 or 1, where campaign conversion rates usually are.
- Numeric outcomes: Welch's t interval and test (unequal variances: a campaign changes the spread
  of revenue as well as its mean).
- Two models, each with its own randomised holdout: :func:`compare_uplifts` gives the difference of
  their uplifts with an interval (the MOVER square-and-add of the two intervals; Newcombe 2001 for
  proportions).

Nothing is dropped silently: identical repeated rows count once, customers without an outcome are
left out and counted per segment, customers a segmentation does not know go to ``(not segmented)``,
and the counts add up to the rows read.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from kenal.errors import ConfigError, SourceError, WorkspaceError, first_line
from kenal.ingest.sources import DELIMITERS, normalise_header

ALL = "all"
NOT_SEGMENTED = "(not segmented)"
KINDS = ("auto", "binary", "numeric")
FORMATS = ("csv", "parquet")
MIN_EXPECTED = 5  # Cochran's rule: below this expected count the z-test's normal approximation is poor
TREATMENT_WORDS = ("treatment", "treated", "1", "true")
CONTROL_WORDS = ("control", "0", "false")
_BOOLEAN = {"1": 1.0, "0": 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0, "ya": 1.0, "tidak": 0.0}
EXPECTED_FILE = "a CSV or Parquet file with one row per customer: customer_id, the group and the outcome"


# ---------------------------------------------------------------------------------------------
# Intervals and tests


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(successes, n, confidence: float = 0.95):
    """Wilson's score interval for a proportion (arrays work too): it never leaves [0, 1] and is
    not degenerate at 0 or n successes, unlike the Wald interval."""
    x, n, z = np.asarray(successes, float), np.asarray(n, float), _z(confidence)
    p = x / n
    centre = (x + z * z / 2) / (n + z * z)
    half = z * np.sqrt(n * p * (1 - p) + z * z / 4) / (n + z * z)
    return centre - half, centre + half


def newcombe_interval(x1, n1, x0, n0, confidence: float = 0.95):
    """p1 - p0 and Newcombe's hybrid score interval (1998, method 10): each group's Wilson interval,
    combined by square-and-add.  Arrays work too.  Returns (difference, low, high)."""
    p1, p0 = np.asarray(x1, float) / np.asarray(n1, float), np.asarray(x0, float) / np.asarray(n0, float)
    l1, u1 = wilson_interval(x1, n1, confidence)
    l0, u0 = wilson_interval(x0, n0, confidence)
    d = p1 - p0
    return d, d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)


def proportions_test(x1: int, n1: int, x0: int, n0: int) -> tuple[float, str]:
    """Two-sided p-value for p1 = p0 and the test used: the pooled two-proportion z-test (Pearson's
    chi-square without continuity correction), or Fisher's exact test when an expected cell count is
    under 5, where the normal approximation fails (few conversions, or a small segment)."""
    n, x = n1 + n0, x1 + x0
    expected = min(n1 * x, n1 * (n - x), n0 * x, n0 * (n - x)) / n
    if expected < MIN_EXPECTED:
        return float(stats.fisher_exact([[x1, n1 - x1], [x0, n0 - x0]]).pvalue), "fisher"
    pooled = x / n
    z = (x1 / n1 - x0 / n0) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    return float(2 * stats.norm.sf(abs(z))), "z"


def welch_interval(treated, control, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """mean(treated) - mean(control), Welch's t interval and the Welch t-test's two-sided p-value."""
    result = stats.ttest_ind(np.asarray(treated, float), np.asarray(control, float), equal_var=False)
    ci = result.confidence_interval(confidence_level=confidence)
    diff = float(np.mean(treated) - np.mean(control))
    return diff, float(ci.low), float(ci.high), float(result.pvalue)


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjustment (controls the family-wise error rate, uniformly more powerful than
    Bonferroni); NaN entries (no test) are left out of the family and stay NaN."""
    p = np.asarray(p_values, float)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    if len(idx):
        order = idx[np.argsort(p[idx], kind="stable")]
        m = len(order)
        adjusted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
        out[order] = adjusted
    return out


# ---------------------------------------------------------------------------------------------
# One comparison


@dataclass(frozen=True)
class Uplift:
    """One segment's (or everyone's) treatment-vs-control comparison.  ``outcome_*`` is the
    conversion rate (binary) or the mean (numeric); ``note`` says why an interval is missing."""

    segment: str
    kind: str
    n_treatment: int
    n_control: int
    outcome_treatment: float
    outcome_control: float
    uplift: float
    ci_low: float
    ci_high: float
    relative_uplift: float
    p_value: float
    test: str
    confidence: float
    note: str = ""
    p_value_holm: float = math.nan
    excluded_no_outcome: int = 0
    arm: str = ""

    @property
    def significant(self) -> bool:
        """The interval excludes 0."""
        return bool(self.ci_low > 0 or self.ci_high < 0)

    def to_dict(self) -> dict:
        return asdict(self)


def uplift(treated, control, *, kind: str = "binary", confidence: float = 0.95, min_per_arm: int = 30,
           segment: str = ALL) -> Uplift:
    """Compare the outcomes of treated and control customers (0/1 for ``binary``, amounts for
    ``numeric``).  With fewer than ``min_per_arm`` customers in an arm no interval or p-value is
    given: an interval spanning most of the scale invites reading noise as a result."""
    t, c = np.asarray(treated, float), np.asarray(control, float)
    nt, nc = len(t), len(c)
    mt = float(t.mean()) if nt else math.nan
    mc = float(c.mean()) if nc else math.nan
    diff = mt - mc
    relative = diff / mc if nc and mc != 0 else math.nan
    nan = math.nan
    base = dict(segment=segment, kind=kind, n_treatment=nt, n_control=nc, outcome_treatment=mt,
                outcome_control=mc, uplift=diff, relative_uplift=relative, confidence=confidence)
    if min(nt, nc) < min_per_arm:
        return Uplift(**base, ci_low=nan, ci_high=nan, p_value=nan, test="",
                      note=f"too small: fewer than {min_per_arm} customers in an arm")
    if kind == "binary":
        xt, xc = int(t.sum()), int(c.sum())
        _, low, high = newcombe_interval(xt, nt, xc, nc, confidence)
        p, test = proportions_test(xt, nt, xc, nc)
        return Uplift(**base, ci_low=float(low), ci_high=float(high), p_value=p, test=test)
    if t.var() == 0 and c.var() == 0:  # Welch's standard error is 0: no interval to speak of
        return Uplift(**base, ci_low=nan, ci_high=nan, p_value=nan, test="",
                      note="no variation: every customer of each arm has the same outcome")
    _, low, high, p = welch_interval(t, c, confidence)
    return Uplift(**base, ci_low=low, ci_high=high, p_value=p, test="welch")


@dataclass(frozen=True)
class UpliftDifference:
    """How much more one uplift is than another (``new`` - ``baseline``), with an interval: e.g. the
    uplift of the customers a new model targeted against that of the old model's targets."""

    segment: str
    new: str
    baseline: str
    uplift_new: float
    uplift_baseline: float
    difference: float
    ci_low: float
    ci_high: float
    confidence: float
    note: str = ""

    @property
    def significant(self) -> bool:
        return bool(self.ci_low > 0 or self.ci_high < 0)

    def to_dict(self) -> dict:
        return asdict(self)


def compare_uplifts(new: Uplift, baseline: Uplift, *, new_name: str = "new",
                    baseline_name: str = "baseline") -> UpliftDifference:
    """new.uplift - baseline.uplift with the MOVER interval (Zou & Donner 2008): each uplift's
    interval combined by square-and-add, so it inherits their good behaviour.  For binary outcomes
    this is Newcombe's (2001) interval for a difference between differences.  The two uplifts must
    come from independent customers (each model with its own randomised holdout)."""
    if new.confidence != baseline.confidence:
        raise ConfigError(f"the uplifts have different confidence levels ({new.confidence} and "
                          f"{baseline.confidence}); expected the same")
    d = new.uplift - baseline.uplift
    common = dict(segment=new.segment, new=new_name, baseline=baseline_name, uplift_new=new.uplift,
                  uplift_baseline=baseline.uplift, difference=d, confidence=new.confidence)
    if any(math.isnan(v) for v in (new.ci_low, new.ci_high, baseline.ci_low, baseline.ci_high)):
        return UpliftDifference(**common, ci_low=math.nan, ci_high=math.nan,
                                note="no interval: " + (new.note or baseline.note))
    low = d - math.hypot(new.uplift - new.ci_low, baseline.ci_high - baseline.uplift)
    high = d + math.hypot(new.ci_high - new.uplift, baseline.uplift - baseline.ci_low)
    return UpliftDifference(**common, ci_low=low, ci_high=high)


# ---------------------------------------------------------------------------------------------
# Reading an experiment


@dataclass
class Experiment:
    """An experiment file, read and checked: one row per customer with ``customer_id``, ``treated``
    (bool), ``outcome`` (float, NaN when unknown), ``segment`` (None when not segmented yet) and
    ``arm`` ("" without an arm column)."""

    source: str
    frame: pd.DataFrame
    kind: str
    outcome: str
    rows: int            # data rows in the file
    repeated: int        # identical repeated rows, counted once
    segmented_by: str = ""


def _read_file(path: Path) -> pd.DataFrame:
    """Every cell as text for a CSV (so a bad value is reported as written); Parquet as typed."""
    if not path.is_file():
        raise SourceError(str(path), "does not exist" if not path.exists() else "is not a file",
                          expected=EXPECTED_FILE)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
            if not len(frame.columns):
                raise SourceError(str(path), "is empty", expected=EXPECTED_FILE)
            return frame
        with open(path, encoding="utf-8-sig", newline="") as f:
            text = f.read()
    except SourceError:
        raise
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise SourceError(str(path), f"is not UTF-8 text (line {line}, byte {exc.start}: "
                                     f"{exc.object[exc.start:exc.start + 4]!r})",
                          expected="a UTF-8 encoded CSV file (in Excel: Save As > CSV UTF-8)") from None
    except Exception as exc:  # noqa: BLE001 - the reader's own words for what it could not parse
        raise SourceError(str(path), f"cannot be read: {first_line(exc)}", expected=EXPECTED_FILE) from None
    if not text.strip():
        raise SourceError(str(path), "is empty", expected=EXPECTED_FILE)
    header = text.splitlines()[0]
    delimiter = max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","
    try:
        return pd.read_csv(StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    except Exception as exc:  # noqa: BLE001
        raise SourceError(str(path), f"cannot be read: {first_line(exc)}", expected=EXPECTED_FILE) from None


def _text(values: pd.Series) -> np.ndarray:
    """Cells as stripped text ('' when missing); whole floats from Parquet as integers (1.0 -> '1')."""
    def one(v) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return ""
        if isinstance(v, (bool, np.bool_)):
            return "true" if v else "false"
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()
    return np.array([one(v) for v in values.to_numpy(dtype=object)], dtype=object)


def _where(rows: np.ndarray) -> str:
    """'in row 4' or 'in 3 rows (first: row 4)'; rows are 0-based data rows."""
    return f"in row {rows[0] + 1}" if len(rows) == 1 else f"in {len(rows)} rows (first: row {rows[0] + 1})"


def _outcomes(raw: pd.Series, kind: str, path: str, column: str) -> tuple[np.ndarray, str]:
    """Outcome values as floats (NaN when missing) and the kind, checked."""
    if pd.api.types.is_bool_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
        values = pd.to_numeric(raw, errors="coerce").astype(float).to_numpy()
        bad = np.flatnonzero(np.isinf(values))
        if len(bad):
            raise SourceError(path, f"is not a finite number {_where(bad)}", column=column,
                              example=str(values[bad[0]]), expected="a number")
    else:
        text = _text(raw)
        values = np.full(len(text), np.nan)
        unparsed = []
        for i, v in enumerate(text):
            if v == "":
                continue
            word = _BOOLEAN.get(v.lower())
            if word is not None:
                values[i] = word
                continue
            try:
                values[i] = float(v)
            except ValueError:
                unparsed.append(i)
                continue
            if not math.isfinite(values[i]):
                unparsed.append(i)
        if unparsed:
            rows = np.array(unparsed)
            raise SourceError(path, f"is not a number {_where(rows)}", column=column, example=text[rows[0]],
                              expected="a number (or 0 / 1, true / false), or nothing when the outcome is "
                                       "unknown (such customers are left out and counted)")
    present = ~np.isnan(values)
    if not present.any():
        raise SourceError(path, "is empty in every row", column=column, expected="the outcome of each customer")
    not_binary = np.flatnonzero(present & (values != 0) & (values != 1))
    if kind == "auto":
        kind = "numeric" if len(not_binary) else "binary"
    elif kind == "binary" and len(not_binary):
        example = raw.iloc[not_binary[0]]
        raise SourceError(path, f"is not 0 or 1 {_where(not_binary)}", column=column,
                          example=example if isinstance(example, str) else str(example),
                          expected="0 / 1 or true / false for --outcome-kind binary (use --outcome-kind "
                                   "numeric for an amount)")
    return values, kind


def _groups(raw: pd.Series, path: str, column: str, treatment: str | None, control: str | None) -> np.ndarray:
    text = np.array([v.lower() for v in _text(raw)], dtype=object)
    if treatment is not None:
        yes, no = (treatment.strip().lower(),), (control.strip().lower(),)
        expected = f"{treatment} (treatment) or {control} (control), as given by --treatment and --control"
    else:
        yes, no = TREATMENT_WORDS, CONTROL_WORDS
        expected = "treatment or control (also treated / control, 1 / 0, true / false, in any case)"
    empty = np.flatnonzero(text == "")
    if len(empty):
        raise SourceError(path, f"is empty {_where(empty)}", column=column,
                          expected=f"{expected} on every row (the group the customer was assigned to)")
    is_yes, is_no = np.isin(text, yes), np.isin(text, no)
    bad = np.flatnonzero(~(is_yes | is_no))
    if len(bad):
        raise SourceError(path, f"is not a group {_where(bad)}", column=column,
                          example=_text(raw)[bad[0]], expected=expected)
    return is_yes


def read_experiment(path: Path, *, group: str = "group", outcome: str = "converted", outcome_kind: str = "auto",
                    segment_column: str | None = None, arm_column: str | None = None,
                    treatment: str | None = None, control: str | None = None) -> Experiment:
    """Read and check an experiment file (CSV or Parquet).  Column names match ignoring case, spaces
    and punctuation.  Every problem stops with one line naming the file, the column, a value and what
    was expected."""
    if outcome_kind not in KINDS:
        raise ConfigError(f"--outcome-kind '{outcome_kind}' is not a kind; expected binary, numeric or auto")
    if (treatment is None) != (control is None):
        raise ConfigError("--treatment and --control go together; give both")
    if treatment is not None and treatment.strip().lower() == control.strip().lower():
        raise ConfigError(f"--treatment and --control are both '{treatment}'; expected two different values")
    path = Path(path)
    source = str(path)
    frame = _read_file(path)
    wanted = {"customer_id": "customer_id", "group": group, "outcome": outcome}
    if segment_column:
        wanted["segment"] = segment_column
    if arm_column:
        wanted["arm"] = arm_column
    found = {normalise_header(str(c)): c for c in frame.columns}
    columns = {}
    for role, name in wanted.items():
        match = found.get(normalise_header(name))
        if match is None:
            raise SourceError(source, "is missing", column=name,
                              expected=f"the columns {', '.join(wanted.values())}; "
                                       f"found {', '.join(map(str, frame.columns))}")
        columns[role] = match
    if frame.empty:
        raise SourceError(source, "has no rows", expected="one row per customer in the experiment")

    ids = _text(frame[columns["customer_id"]])
    empty = np.flatnonzero(ids == "")
    if len(empty):
        raise SourceError(source, f"is empty {_where(empty)}", column="customer_id",
                          expected="a customer id on every row")
    treated = _groups(frame[columns["group"]], source, group, treatment, control)
    values, kind = _outcomes(frame[columns["outcome"]], outcome_kind, source, outcome)
    segments = _text(frame[columns["segment"]]) if segment_column else np.full(len(frame), None, dtype=object)
    if segment_column:
        segments = np.where(segments == "", NOT_SEGMENTED, segments)
    arms = _text(frame[columns["arm"]]) if arm_column else np.full(len(frame), "", dtype=object)
    if arm_column:
        empty = np.flatnonzero(arms == "")
        if len(empty):
            raise SourceError(source, f"is empty {_where(empty)}", column=arm_column,
                              expected="the arm (e.g. the model) of every customer")
        names = sorted(set(arms))
        if len(names) != 2:
            raise SourceError(source, f"has {len(names)} value(s) ({', '.join(map(repr, names[:5]))})",
                              column=arm_column, expected="exactly two arms (e.g. the old and the new model)")
    data = pd.DataFrame({"customer_id": ids, "treated": treated, "outcome": values, "segment": segments,
                         "arm": arms, "row": np.arange(len(frame))})
    data, repeated = _deduplicated(data, source)
    for arm, rows in data.groupby("arm"):
        for flag, name in ((True, "treatment"), (False, "control")):
            if not (rows.treated == flag).any():
                raise SourceError(source, f"has no {name} customers" + (f" in arm '{arm}'" if arm else ""),
                                  column=group, expected="both treatment and control customers")
    return Experiment(source, data.drop(columns="row").reset_index(drop=True), kind, outcome, len(frame), repeated,
                      f"column '{segment_column}'" if segment_column else "")


def _deduplicated(data: pd.DataFrame, source: str) -> tuple[pd.DataFrame, int]:
    """Identical repeated rows count once (an export run twice and concatenated); the same customer
    with different content is an error.  In both groups it means the randomisation or the export is
    broken, and so does a second outcome: dropping either row, or both, would choose the answer
    (crossovers are often the most active customers), so kenal stops and says which rows."""
    content = ["customer_id", "treated", "outcome", "segment", "arm"]
    repeat = data.duplicated(content)
    unique = data[~repeat]
    clash = unique[unique.customer_id.duplicated(keep=False)]
    if len(clash):
        both = clash.groupby("customer_id", sort=False).treated.nunique()
        both = both[both > 1]
        if len(both):
            first = clash[clash.customer_id == both.index[0]]
            t, c = first[first.treated].row.iloc[0] + 1, first[~first.treated].row.iloc[0] + 1
            where = f"treatment in row {t}, control in row {c}"
            what = f"a customer in both groups ({where})" if len(both) == 1 else \
                f"{len(both)} customers in both groups (first: {where})"
            raise SourceError(source, f"has {what}", column="customer_id", example=both.index[0],
                              expected="each customer in one group; a customer in both means the assignment or "
                                       "the export is broken, and kenal does not guess which group is right")
        customer = clash.customer_id.iloc[0]
        rows = clash[clash.customer_id == customer].row.to_numpy() + 1
        where = f"rows {', '.join(map(str, rows[:-1]))} and {rows[-1]}"
        n = clash.customer_id.nunique()
        what = f"a customer with different values ({where})" if n == 1 else \
            f"{n} customers with different values (first: {where})"
        raise SourceError(source, f"repeats {what}", column="customer_id", example=customer,
                          expected="one row per customer (identical repeated rows are counted once)")
    return unique, int(repeat.sum())


# ---------------------------------------------------------------------------------------------
# Segments from the workspace


def workspace_segments(store, customer_ids, segmentation: str, snapshot_id: str | None = None) -> tuple[str, pd.Series]:
    """The snapshot's segment (by name) of each given customer a segmentation assigned, joined in the
    engine: only the matches come back.  Returns (snapshot id, customer_id -> segment name)."""
    import ibis

    from kenal.outputs import ASSIGNMENTS, latest_snapshot_id, snapshot_segmentations

    sid = snapshot_id or latest_snapshot_id(store)
    present = snapshot_segmentations(store, sid)
    if segmentation not in present:
        raise WorkspaceError(f"snapshot '{sid}' has no '{segmentation}' segments; its segmentations: "
                             f"{', '.join(present) or 'none'}")
    a = store.table(ASSIGNMENTS)
    a = a.filter((a.snapshot_id == sid) & (a.segmentation == segmentation))
    wanted = ibis.memtable(pd.DataFrame({"customer_id": pd.Series(customer_ids, dtype=object).astype(str)}))
    a = a.mutate(customer_id=a.customer_id.cast("string"))
    found = a.semi_join(wanted, "customer_id").select("customer_id", "segment_id", "segment_name").execute()
    names = found.segment_name.where(found.segment_name.notna(), found.segment_id.astype(str))
    return sid, pd.Series(names.astype(str).to_numpy(), index=found.customer_id.astype(str).to_numpy())


def with_segments(experiment: Experiment, segments: pd.Series, described: str) -> Experiment:
    """The experiment with each customer's segment from ``segments`` (customer_id -> name); a customer
    it does not know goes to ``(not segmented)``, to be counted, not dropped."""
    frame = experiment.frame.copy()
    frame["segment"] = frame.customer_id.map(segments).fillna(NOT_SEGMENTED).astype(object)
    return replace(experiment, frame=frame, segmented_by=described)


# ---------------------------------------------------------------------------------------------
# The whole report


@dataclass
class UpliftReport:
    """Uplift per segment and overall (per arm with an arm column), and the counts that add up to the
    rows read: ``rows = repeated + excluded_no_outcome + treatment + control``."""

    source: str
    kind: str
    outcome: str
    confidence: float
    min_per_arm: int
    rows: int
    repeated: int
    excluded_no_outcome: int
    not_segmented: int
    segmented_by: str
    results: list[Uplift]
    comparisons: list[UpliftDifference] = field(default_factory=list)

    @property
    def treatment(self) -> int:
        return sum(r.n_treatment for r in self.results if r.segment == ALL)

    @property
    def control(self) -> int:
        return sum(r.n_control for r in self.results if r.segment == ALL)

    def to_frame(self) -> pd.DataFrame:
        """One row per (arm,) segment and an ``all`` row; with arms also one row per segment for
        the difference of the arms' uplifts (arm 'new - baseline', the difference in ``uplift``)."""
        rows = [r.to_dict() for r in self.results]
        for d in self.comparisons:
            rows.append({"arm": f"{d.new} - {d.baseline}", "segment": d.segment, "kind": self.kind,
                         "uplift": d.difference, "ci_low": d.ci_low, "ci_high": d.ci_high,
                         "confidence": d.confidence, "note": d.note, "test": "mover"})
        frame = pd.DataFrame(rows)
        order = ["arm", "segment", "kind", "n_treatment", "n_control", "excluded_no_outcome", "outcome_treatment",
                 "outcome_control", "uplift", "ci_low", "ci_high", "relative_uplift", "p_value", "p_value_holm",
                 "test", "confidence", "note"]
        if not self.comparisons and all(r.arm == "" for r in self.results):
            order.remove("arm")
        counts = ["n_treatment", "n_control", "excluded_no_outcome"]  # whole numbers, empty on difference rows
        return frame[order].astype({c: "Int64" for c in counts})

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("results", "comparisons")} | {
            "treatment": self.treatment, "control": self.control,
            "results": [r.to_dict() for r in self.results], "comparisons": [d.to_dict() for d in self.comparisons]}

    def count_line(self) -> str:
        return (f"{self.rows:,} rows = {self.treatment:,} treatment + {self.control:,} control + "
                f"{self.excluded_no_outcome:,} left out without an outcome + {self.repeated:,} repeated rows "
                f"(counted once)")


def _segment_order(names) -> list[str]:
    return sorted((n for n in names if n != NOT_SEGMENTED), key=str) + ([NOT_SEGMENTED] if NOT_SEGMENTED in names else [])


def uplift_by_segment(experiment: Experiment, *, confidence: float = 0.95, min_per_arm: int = 30,
                      baseline_arm: str | None = None) -> UpliftReport:
    """Uplift in every segment and overall (the ``all`` row: everyone pooled), per arm when the
    experiment has arms; Holm-adjusted p-values across each arm's segments; with two arms, the
    difference of their uplifts per segment (the other arm minus ``baseline_arm``, by default the
    first arm in sorted order)."""
    if not 0 < confidence < 1:
        raise ConfigError(f"--confidence {confidence:g} is not between 0 and 1; expected e.g. 0.95")
    if min_per_arm < 2:
        raise ConfigError(f"--min-per-arm {min_per_arm} is too small; expected at least 2 (a spread needs two values)")
    frame = experiment.frame
    segmented = frame.segment.notna().any()
    # A customer without an outcome is left out and counted (per segment and overall), not an error and
    # not imputed: an empty cell may mean "not yet known" (a late order feed), and guessing 0 would bias
    # the means, while stopping would make a real export with a few gaps unusable.  The counts are printed
    # beside the result, so a gap that differs between the groups is seen, not hidden.
    missing = frame.outcome.isna()
    results: list[Uplift] = []
    arms = sorted(frame.arm.unique())
    for arm in arms:
        rows = frame[frame.arm == arm]
        segment_results = []
        if segmented:
            for name in _segment_order(set(rows.segment)):
                seg = rows[rows.segment == name]
                known = seg[seg.outcome.notna()]
                r = uplift(known.outcome[known.treated], known.outcome[~known.treated], kind=experiment.kind,
                           confidence=confidence, min_per_arm=min_per_arm, segment=name)
                segment_results.append(replace(r, excluded_no_outcome=int(seg.outcome.isna().sum()), arm=arm))
            adjusted = holm([r.p_value for r in segment_results])
            segment_results = [replace(r, p_value_holm=float(a)) for r, a in zip(segment_results, adjusted)]
        known = rows[rows.outcome.notna()]
        overall = uplift(known.outcome[known.treated], known.outcome[~known.treated], kind=experiment.kind,
                         confidence=confidence, min_per_arm=min_per_arm)
        results += segment_results + [replace(overall, excluded_no_outcome=int(rows.outcome.isna().sum()), arm=arm)]
    comparisons = []
    if len(arms) == 2:
        if baseline_arm is not None and baseline_arm not in arms:
            raise ConfigError(f"--baseline-arm '{baseline_arm}' is not an arm; the arms are {arms[0]} and {arms[1]}")
        base = baseline_arm or arms[0]
        new = arms[1] if base == arms[0] else arms[0]
        by = {(r.arm, r.segment): r for r in results}
        for r in results:
            if r.arm == new and (base, r.segment) in by:
                comparisons.append(compare_uplifts(r, by[(base, r.segment)], new_name=new, baseline_name=base))
    elif baseline_arm is not None:
        raise ConfigError("--baseline-arm needs --arm-column")
    return UpliftReport(experiment.source, experiment.kind, experiment.outcome, confidence, min_per_arm,
                        experiment.rows, experiment.repeated, int(missing.sum()),
                        int((frame.segment == NOT_SEGMENTED).sum()), experiment.segmented_by, results, comparisons)


def write_uplift(report: UpliftReport, output: Path, fmt: str | None = None) -> Path:
    """Write :meth:`UpliftReport.to_frame` as CSV or Parquet (by ``fmt`` or the file's suffix)."""
    output = Path(output)
    fmt = (fmt or output.suffix.lstrip(".") or "csv").lower()
    if fmt not in FORMATS:
        raise ConfigError(f"output format '{fmt}' is not supported; expected one of {', '.join(FORMATS)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    frame = report.to_frame()
    if fmt == "csv":
        frame.to_csv(output, index=False)
    else:
        frame.to_parquet(output, index=False)
    return output

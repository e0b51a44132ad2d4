"""A classifier score trained on snapshots in time order: gradient-boosted trees (LightGBM) with
hyper-parameters chosen on time-ordered folds, calibrated on the latest training snapshot, a
threshold for a target recall, and a regularised logistic regression as the baseline to beat.

Training snapshots s_1 < ... < s_K (each a frame of features and a 0/1 outcome):

- hyper-parameters: fold j trains on s_1..s_{j-1} and validates on s_j (j = 2..K-1); the setting
  with the best mean PR-AUC wins, with the mean early-stopped number of trees;
- the model is fitted on s_1..s_{K-1} and calibrated on s_K, which also sets the threshold: the
  highest that reaches the target recall there.  Platt scaling (a logistic curve on the log-odds, two
  parameters) is the default: it keeps the model's ranking intact, where isotonic regression's steps
  tie customers together (on the sample that cost 0.01 PR-AUC, and its ECE out of time was worse).

Missing values stay missing: LightGBM sends them down the side of each split that fits them best,
so a customer without an income is scored from the signals they do have.  Protected attributes are
never among the inputs (the frames come without them and :class:`Encoding` drops and refuses them).

One thread by default: LightGBM's OpenMP threads spin-wait, and on a busy 2-core machine two of them
ran ten times slower than one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from kenal.errors import WorkspaceError
from kenal.schema import protected_columns
from kenal.scores.dataset import CATEGORICAL
from kenal.scores.metrics import pr_auc, threshold_for_recall

MAX_ROUNDS = 200
EARLY_STOPPING = 20
BASE_PARAMS = {"objective": "binary", "learning_rate": 0.05, "min_child_samples": 200, "feature_fraction": 0.8,
               "bagging_fraction": 0.8, "bagging_freq": 1, "max_bin": 255, "verbose": -1, "deterministic": True,
               "force_row_wise": True}
# The regularisation searched: tree depth (and so size) and the L2 penalty on leaf values.  Trees stay
# shallow: TreeSHAP costs trees x leaves x depth^2 per customer, and every scored customer is explained.
GRID = ({"max_depth": 3, "num_leaves": 7, "lambda_l2": 1.0}, {"max_depth": 3, "num_leaves": 7, "lambda_l2": 20.0},
        {"max_depth": 4, "num_leaves": 15, "lambda_l2": 1.0}, {"max_depth": 4, "num_leaves": 15, "lambda_l2": 20.0})
C_GRID = (0.01, 0.1, 1.0, 10.0)  # inverse L2 strength of the logistic baseline
SIGNIFICANT = 10  # digits of every numeric input
MAX_ROWS = 400_000  # training rows (all snapshots) beyond which a random sample is used


@dataclass
class Encoding:
    """Which columns feed the model, and the levels of each categorical one."""

    numeric: list[str]
    categorical: dict[str, list[str]]

    @classmethod
    def fit(cls, frames: list[pd.DataFrame]) -> "Encoding":
        columns = list(dict.fromkeys(c for f in frames for c in f.columns))
        banned = protected_columns()
        columns = [c for c in columns if c not in banned]
        categorical = {}
        for c in columns:
            if c in CATEGORICAL or any(f[c].dtype == object or isinstance(f[c].dtype, pd.StringDtype)
                                       for f in frames if c in f.columns):
                levels = set()
                for f in frames:
                    if c in f.columns:
                        levels.update(str(v) for v in f[c].dropna().unique())
                categorical[c] = sorted(levels)
        return cls([c for c in columns if c not in categorical], categorical)

    @property
    def columns(self) -> list[str]:
        return self.numeric + list(self.categorical)

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model's input: the fitted columns in order (NaN where the frame lacks one), numbers as
        float64, categories with the fitted levels (an unseen level is missing)."""
        leaked = protected_columns() & set(self.columns)
        assert not leaked, f"protected attributes among the inputs: {leaked}"
        out = {}
        for c in self.numeric:
            out[c] = (significant(pd.to_numeric(frame[c], errors="coerce").astype("float64")) if c in frame.columns
                      else pd.Series(np.nan, index=frame.index))
        for c, levels in self.categorical.items():
            values = frame[c].astype("object").where(frame[c].notna(), None) if c in frame.columns else None
            out[c] = pd.Categorical(values if values is not None else [None] * len(frame), categories=levels)
        return pd.DataFrame(out, index=frame.index)


def significant(x: pd.Series, digits: int = SIGNIFICANT) -> pd.Series:
    """``x`` rounded to ``digits`` significant digits.  An engine may add up a customer's rows in any
    order, which moves the last bits of a sum; rounded, the model's inputs and so its fit are the same
    from run to run and engine to engine."""
    v = x.to_numpy(dtype="float64", copy=True)
    finite = np.isfinite(v) & (v != 0)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(v[finite]))))
    v[finite] = np.round(v[finite] * scale) / scale
    return pd.Series(v, index=x.index)


@dataclass
class TrainingSet:
    """Labelled snapshots, oldest first."""

    dates: list[datetime]
    frames: list[pd.DataFrame]
    labels: list[np.ndarray]


def _signed_log(x):
    return np.sign(x) * np.log1p(np.abs(x))


def baseline_pipeline(encoding: Encoding, c: float, seed: int):
    """Standardised L2 logistic regression: counts and money on a log scale, missing numbers at the
    median with an indicator, categories one-hot."""
    numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                            FunctionTransformer(_signed_log), StandardScaler())
    parts = [("num", numeric, encoding.numeric)]
    if encoding.categorical:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore"), list(encoding.categorical)))
    return make_pipeline(ColumnTransformer(parts, sparse_threshold=0.0),
                         LogisticRegression(C=c, l1_ratio=0.0, max_iter=2000, random_state=seed))


def _cat_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories as strings for the baseline's one-hot encoder."""
    return frame.assign(**{c: frame[c].astype("object").where(frame[c].notna(), "missing")
                           for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})


@dataclass
class TrainedScore:
    """A fitted, calibrated classifier score and how it was chosen."""

    name: str
    encoding: Encoding
    booster: lgb.Booster
    params: dict
    rounds: int
    calibration: str
    calibrator: object
    threshold: float
    target_recall: float
    baseline: object
    baseline_c: float
    dates: list[datetime]
    n_rows: int
    positive_rate: float
    cv: list[dict] = field(default_factory=list)
    baseline_cv: list[dict] = field(default_factory=list)
    baseline_threshold: float = 1.0  # the baseline's threshold for the target recall, set as the model's

    def raw(self, frame: pd.DataFrame) -> np.ndarray:
        return self.booster.predict(self.encoding.transform(frame), num_threads=self.params["num_threads"])

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        if self.calibration == "isotonic":
            return np.clip(self.calibrator.predict(raw), 0.0, 1.0)
        return self.calibrator.predict_proba(_logit(raw)[:, None])[:, 1]

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities."""
        return self.calibrate(self.raw(frame))

    def predict_baseline(self, frame: pd.DataFrame) -> np.ndarray:
        return self.predict_baseline_encoded(self.encoding.transform(frame))

    def predict_baseline_encoded(self, x: pd.DataFrame) -> np.ndarray:
        """The baseline's probabilities of rows already through :attr:`encoding`."""
        return self.baseline.predict_proba(_cat_frame(x))[:, 1]

    def contributions(self, frame: pd.DataFrame) -> np.ndarray:
        """TreeSHAP values in log-odds (one column per input, then the expected value), LightGBM's own."""
        return self.booster.predict(self.encoding.transform(frame), pred_contrib=True,
                                    num_threads=self.params["num_threads"])

    def settings(self) -> dict:
        """The hyper-parameters and regularisation chosen, as a report shows them."""
        keep = ("max_depth", "num_leaves", "lambda_l2", "min_child_samples", "learning_rate", "feature_fraction",
                "bagging_fraction")
        return {"model": "lightgbm", **{k: self.params[k] for k in keep}, "n_trees": self.rounds,
                "calibration": self.calibration, "threshold": self.threshold, "target_recall": self.target_recall,
                "baseline": {"model": "logistic regression (L2, standardised)", "C": self.baseline_c,
                             "threshold": self.baseline_threshold},
                "training_snapshots": [d.isoformat() for d in self.dates], "n_rows": self.n_rows,
                "positive_rate": self.positive_rate, "features": self.encoding.columns,
                "cv": self.cv, "baseline_cv": self.baseline_cv}


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def time_folds(n_snapshots: int) -> list[tuple[list[int], int]]:
    """(training snapshots, validation snapshot): each snapshot from the second on validates a model
    trained on the snapshots before it."""
    return [(list(range(j)), j) for j in range(1, n_snapshots)]


def _lgb_data(x: pd.DataFrame, y: np.ndarray, reference=None) -> lgb.Dataset:
    return lgb.Dataset(x, label=y, reference=reference, categorical_feature="auto", free_raw_data=False)


def _search_trees(xs: list[pd.DataFrame], ys: list[np.ndarray], base: dict) -> tuple[dict, int, list[dict]]:
    folds = []
    for train_idx, valid in time_folds(len(xs)):  # binned once, shared by every setting of the grid
        train = _lgb_data(pd.concat([xs[i] for i in train_idx], ignore_index=True),
                          np.concatenate([ys[i] for i in train_idx]))
        folds.append((train, _lgb_data(xs[valid], ys[valid], train), valid))
    table = []
    for grid in GRID:
        params = base | grid
        scores, rounds = [], []
        for train, valid_set, valid in folds:
            booster = lgb.train(params, train, num_boost_round=MAX_ROUNDS, valid_sets=[valid_set],
                                callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)])
            best = booster.best_iteration or MAX_ROUNDS
            scores.append(pr_auc(ys[valid], booster.predict(xs[valid], num_iteration=best)) or 0.0)
            rounds.append(best)
        table.append({**grid, "fold_pr_auc": scores, "pr_auc": float(np.mean(scores)),
                      "n_trees": int(round(np.mean(rounds)))})
    best = max(table, key=lambda r: r["pr_auc"])
    return base | {k: best[k] for k in GRID[0]}, best["n_trees"], table


def _search_baseline(xs: list[pd.DataFrame], ys: list[np.ndarray], encoding: Encoding,
                     seed: int) -> tuple[float, list[dict]]:
    table = []
    for c in C_GRID:
        scores = []
        for train_idx, valid in time_folds(len(xs)):
            x = _cat_frame(pd.concat([xs[i] for i in train_idx], ignore_index=True))
            y = np.concatenate([ys[i] for i in train_idx])
            model = baseline_pipeline(encoding, c, seed).fit(x, y)
            scores.append(pr_auc(ys[valid], model.predict_proba(_cat_frame(xs[valid]))[:, 1]) or 0.0)
        table.append({"C": c, "fold_pr_auc": scores, "pr_auc": float(np.mean(scores))})
    return max(table, key=lambda r: r["pr_auc"])["C"], table


def subsample(data: TrainingSet, max_rows: int, seed: int) -> TrainingSet:
    """At most ``max_rows`` rows in all, the same share drawn at random from every snapshot (so each
    keeps its rate of positives, up to chance)."""
    total = sum(len(y) for y in data.labels)
    if total <= max_rows:
        return data
    rng = np.random.default_rng(seed)
    frames, labels = [], []
    for frame, y in zip(data.frames, data.labels):
        keep = np.sort(rng.choice(len(y), max(1, int(len(y) * max_rows / total)), replace=False))
        frames.append(frame.iloc[keep])
        labels.append(y[keep])
    return TrainingSet(list(data.dates), frames, labels)


def train_score(name: str, data: TrainingSet, *, target_recall: float = 0.8, seed: int = 0,
                n_jobs: int = 1, calibration: str = "sigmoid", max_rows: int = MAX_ROWS) -> TrainedScore:
    """Fit, tune, calibrate and set the threshold of one score on labelled snapshots (oldest first);
    at least three: two to tune on, one to calibrate on.  Above ``max_rows`` training rows, a random
    sample of them."""
    k = len(data.frames)
    if k < 3:
        raise WorkspaceError(f"score '{name}' needs at least 3 earlier snapshots with a known outcome; "
                             f"the data's history allows {k}")
    for d, y in zip(data.dates, data.labels):
        if y.sum() == 0 or y.sum() == len(y):
            raise WorkspaceError(f"score '{name}': every customer has the same outcome as of {d:%Y-%m-%d}; "
                                 "there is nothing to learn")
    data = subsample(data, max_rows, seed)
    encoding = Encoding.fit(data.frames)
    xs = [encoding.transform(f) for f in data.frames]
    ys = data.labels
    fit_idx, cal = list(range(k - 1)), k - 1
    base = BASE_PARAMS | {"seed": seed, "num_threads": n_jobs}
    with threadpool_limits(limits=n_jobs):
        params, rounds, cv = _search_trees(xs[:-1], ys[:-1], base)
        x_fit = pd.concat([xs[i] for i in fit_idx], ignore_index=True)
        y_fit = np.concatenate([ys[i] for i in fit_idx])
        booster = lgb.train(params, _lgb_data(x_fit, y_fit), num_boost_round=rounds)
        raw_cal = booster.predict(xs[cal], num_threads=n_jobs)
        method = calibration
        if method == "isotonic":
            calibrator = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw_cal, ys[cal])
        else:
            calibrator = LogisticRegression(C=1e6).fit(_logit(raw_cal)[:, None], ys[cal])
        c, baseline_cv = _search_baseline(xs[:-1], ys[:-1], encoding, seed)
        baseline = baseline_pipeline(encoding, c, seed).fit(_cat_frame(x_fit), y_fit)
    score = TrainedScore(name, encoding, booster, params, rounds, method, calibrator, 0.0, target_recall,
                         baseline, c, list(data.dates), int(len(y_fit)), float(y_fit.mean()), cv, baseline_cv)
    score.threshold = threshold_for_recall(ys[cal], score.calibrate(raw_cal), target_recall)
    score.baseline_threshold = threshold_for_recall(ys[cal], score.predict_baseline_encoded(xs[cal]), target_recall)
    return score

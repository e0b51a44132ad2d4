"""A sentiment classifier trained on a workspace's own labelled texts, stored as plain JSON.

``kenal text train --labels FILE`` (:mod:`kenal.text.train`) fits TF-IDF features of the cleaned
text (:mod:`kenal.text.clean`: PII masked, lower case, informal spellings normalised) - word
unigrams and bigrams (so "tidak bagus" is one feature) and character 2-5-grams within words (so
"bagusnya", "mantapp" and typos share features) - and a multinomial logistic regression with
balanced class weights.  What it learnt is written to ``W/text_model.json``: the two vocabularies
with their IDF weights, the coefficients and intercepts, and the cross-validation report.  It is
data, not code: loading a workspace never unpickles anything, and the file can be read and diffed.

:func:`active_model` decides which sentiment the workspace uses ("combine"): the trained model
when its cross-validated macro-F1 beats the lexicon's on the same folds, else the lexicon
(:mod:`kenal.text.sentiment`).  Aspects and complaints stay rules (:mod:`kenal.text.aspects`);
they read the sentiment in use ("negative and asks for something" is a complaint).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np

from kenal.errors import WorkspaceError
from kenal.text import clean as _clean
from kenal.text.aspects import TextSignals, analyse_cleaned
from kenal.text.sentiment import LABELS, Scores

MODEL_FILE = "text_model.json"
FORMAT = 1
# The two TF-IDF parts; each is L2-normalised on its own, as sklearn's FeatureUnion of two
# TfidfVectorizers does.  Words keep apostrophes ("don't"), emoji and punctuation are tokens, and
# the masks (<URL>) are one token.
WORD = {"analyzer": "word", "ngram_range": [1, 2], "token_pattern": r"<[A-Z]+>|[\w']+|[^\w\s]"}
CHAR = {"analyzer": "char_wb", "ngram_range": [2, 5]}
MAX_FEATURES = 50_000  # per part, the most frequent terms
C = 4.0  # inverse regularisation of the logistic regression (sklearn's default is 1.0; TF-IDF rows are unit length)


def split_cleaned(joined: str, n: int) -> list[str]:
    """The texts of a batch cleaned by :func:`kenal.text.clean.clean_batch`, one string each."""
    return [] if n == 0 else [_clean._SPACES.sub(" ", p).strip() for p in joined.split("\x00")]


@dataclass
class TrainedSentiment:
    """A fitted TF-IDF + logistic regression sentiment model, as stored in ``W/text_model.json``."""

    classes: list[str]
    parts: list[dict]  # {"params": WORD or CHAR, "vocabulary": [terms by column], "idf": [...]}
    coef: np.ndarray  # classes x features
    intercept: np.ndarray
    cv: dict = field(default_factory=dict)  # see kenal.text.train.cross_validate
    trained_at: str = ""
    labels_file: str = ""

    # --- features ------------------------------------------------------------------------------
    def _vectorizers(self):
        from sklearn.feature_extraction.text import CountVectorizer

        if not hasattr(self, "_cache"):
            self._cache = [CountVectorizer(lowercase=False, vocabulary={t: i for i, t in enumerate(p["vocabulary"])},
                                           **_sklearn_params(p["params"])) for p in self.parts]
        return self._cache

    def transform(self, cleaned: Sequence[str]):
        """The TF-IDF matrix of cleaned texts: sublinear term frequency times IDF, L2 per part."""
        import scipy.sparse as sp
        from sklearn.preprocessing import normalize

        blocks = []
        for vec, part in zip(self._vectorizers(), self.parts):
            x = vec.transform(cleaned).astype(np.float64)
            x.data = np.log(x.data) + 1.0
            x = x @ sp.diags(np.asarray(part["idf"], dtype=np.float64))
            blocks.append(normalize(x, norm="l2"))
        return sp.hstack(blocks, format="csr")

    # --- prediction ----------------------------------------------------------------------------
    def probabilities(self, cleaned: Sequence[str]) -> np.ndarray:
        """Class probabilities (columns in ``classes`` order) of cleaned texts (softmax, as sklearn)."""
        z = self.transform(cleaned) @ self.coef.T + self.intercept
        z = np.asarray(z) - np.max(z, axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict_cleaned(self, cleaned: Sequence[str]) -> Scores:
        """Sentiment of cleaned texts: the most probable label, and score = P(positive) - P(negative).

        An empty text is neutral with score 0, as the lexicon has it."""
        n = len(cleaned)
        if n == 0:
            return Scores(np.zeros(0), np.zeros(0), np.zeros(0, dtype=object))
        p = self.probabilities(cleaned)
        col = {c: i for i, c in enumerate(self.classes)}
        score = p[:, col["positive"]] - p[:, col["negative"]]
        label = np.asarray(self.classes, dtype=object)[p.argmax(axis=1)]
        empty = np.array([t == "" for t in cleaned], dtype=bool)
        score[empty], label[empty] = 0.0, "neutral"
        return Scores(score.copy(), score, label)

    def predict(self, texts: Iterable[str | None]) -> Scores:
        return self.predict_cleaned(_clean.clean_texts(texts))

    # --- what it is ----------------------------------------------------------------------------
    @property
    def model_f1(self) -> float:
        return float(self.cv.get("model_macro_f1", float("nan")))

    @property
    def lexicon_f1(self) -> float:
        return float(self.cv.get("lexicon_macro_f1", float("nan")))

    @property
    def beats_lexicon(self) -> bool:
        return self.model_f1 > self.lexicon_f1

    def to_dict(self) -> dict:
        return {"format": FORMAT, "kind": "tfidf_logistic_regression", "trained_at": self.trained_at,
                "labels_file": self.labels_file, "classes": list(self.classes), "cv": self.cv,
                "parts": [{"params": p["params"], "vocabulary": list(p["vocabulary"]),
                           "idf": [float(v) for v in p["idf"]]} for p in self.parts],
                "coef": [[float(v) for v in row] for row in self.coef],
                "intercept": [float(v) for v in self.intercept]}

    @classmethod
    def from_dict(cls, d: dict) -> "TrainedSentiment":
        return cls(classes=list(d["classes"]), parts=d["parts"], coef=np.asarray(d["coef"], dtype=np.float64),
                   intercept=np.asarray(d["intercept"], dtype=np.float64), cv=d.get("cv", {}),
                   trained_at=d.get("trained_at", ""), labels_file=d.get("labels_file", ""))


def _sklearn_params(params: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


# --- the workspace's model ---------------------------------------------------------------------
def model_path(workspace: Path) -> Path:
    return Path(workspace) / MODEL_FILE


def save_model(workspace: Path, model: TrainedSentiment) -> Path:
    path = model_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model.to_dict(), ensure_ascii=False), encoding="utf-8")
    return path


def load_model(workspace: Path | None) -> TrainedSentiment | None:
    """The workspace's trained model, or None when it has none.  A file that is not one: WorkspaceError."""
    if workspace is None:
        return None
    path = model_path(workspace)
    if not path.is_file():
        return None
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        if d.get("format") != FORMAT or sorted(d["classes"]) != sorted(LABELS):
            raise ValueError(f"format {d.get('format')!r} with classes {d.get('classes')!r}")
        model = TrainedSentiment.from_dict(d)
        width = sum(len(p["vocabulary"]) for p in model.parts)
        if model.coef.shape != (len(LABELS), width) or any(len(p["idf"]) != len(p["vocabulary"]) for p in model.parts):
            raise ValueError("its weights do not match its vocabulary")
    except (ValueError, KeyError, TypeError) as exc:
        raise WorkspaceError(f"{path} is not a kenal text model ({_clean_msg(exc)}); run 'kenal text train "
                             "--labels FILE' again or delete the file to use the lexicon") from None
    return model


def _clean_msg(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__


@dataclass(frozen=True)
class ActiveSentiment:
    """The sentiment a workspace uses: the trained model (when it beats the lexicon) or the lexicon."""

    model: TrainedSentiment | None  # None: the lexicon
    id: str  # "lexicon:<hash of the packaged lexicons>" or "trained:<hash of W/text_model.json>"
    description: str  # one line for people: which, and how well it scored

    @property
    def name(self) -> str:
        return "trained model" if self.model is not None else "lexicon"


RULE_FILES = ("clean.py", "sentiment.py", "aspects.py", "return_reasons.py", "language.py")


@cache
def rules_digest() -> str:
    """A digest of the packaged lexicons and the rules that read them: texts scored by another
    version of them (a kenal upgrade, an edited word list) are scored again."""
    h = hashlib.sha256()
    package = files("kenal.text")
    entries = [package.joinpath(name) for name in RULE_FILES]
    entries += sorted((e for e in package.joinpath("lexicon").iterdir()
                       if e.name.endswith(".txt") and e.name != "escalation.txt"), key=lambda e: e.name)
    for entry in entries:
        h.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return h.hexdigest()[:12]


def lexicon_id() -> str:
    return "lexicon:" + rules_digest()


def active_model(workspace: Path | None) -> ActiveSentiment:
    """Which sentiment ``workspace`` uses, and why (see the module docstring)."""
    model = load_model(workspace)
    if model is None:
        return ActiveSentiment(None, lexicon_id(), "lexicon (no trained model in the workspace)")
    n, folds = model.cv.get("n_texts", 0), model.cv.get("folds", 0)
    scores = (f"macro-F1 {model.model_f1:.3f} for the trained model and {model.lexicon_f1:.3f} for the lexicon, "
              f"{folds}-fold cross-validated on the same {n:,} labelled texts")
    if model.beats_lexicon:
        digest = hashlib.sha256(model_path(workspace).read_bytes() + rules_digest().encode()).hexdigest()[:12]
        return ActiveSentiment(model, "trained:" + digest, f"trained model ({scores})")
    return ActiveSentiment(None, lexicon_id(), f"lexicon, as the trained model does not beat it ({scores})")


def analyse(texts: Iterable[str | None], sentiment: ActiveSentiment | TrainedSentiment | None = None) -> TextSignals:
    """Sentiment, aspects and complaints of many texts, with the trained model's sentiment when given."""
    model = sentiment.model if isinstance(sentiment, ActiveSentiment) else sentiment
    joined, n = _clean.clean_batch(texts)
    scores = model.predict_cleaned(split_cleaned(joined, n)) if model is not None else None
    return analyse_cleaned(joined, n, sentiment=scores)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

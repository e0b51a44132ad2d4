"""Sentiment of customer texts in Indonesian, English and a mix of both, from a lexicon and rules.

Works with no training data: the word lists are the project's own (``lexicon/sentiment_id.txt``,
``lexicon/sentiment_en.txt``, ``lexicon/modifiers.txt``, ``lexicon/emoji.txt``; their headers
say where they come from), packaged with kenal and never downloaded.  A text gets a score in
[-1, 1] and a label:

1. it is cleaned (:mod:`kenal.text.clean`: PII masked, lower case, emoticons as emoji,
   "bagusss" → "bagus", "gak" → "tidak", "bgt" → "banget"), phrases of the lexicons are joined
   into one token ("tepat waktu", "value for money"), and it is split into words, emoji and
   punctuation;
2. each word or emoji has a weight (0 if unknown).  Unknown words are also tried without the
   clitics -nya/-lah/-kah/-pun, a trailing "2" (reduplication: "sampe2"), doubled letters
   ("mantapp"), as "ter-" + word (superlative) and "ke-" + word + "-an" (excess: "kemahalan");
3. rules, each within a clause (split at , ; : . ! ? and at "tapi", "walaupun", "dan", "but",
   "although", "and" ...):

   - **negation**: a negator (tidak, bukan, belum, jangan, tanpa, kurang, not, no, never,
     nothing, n't ...) flips the first weighted word within the next three words: a positive
     weight becomes -0.75 times itself, a negative one +0.75 times itself but at most +1
     ("tidak mahal" is positive, "bukan yang terburuk" no more than that), unless the lexicon
     gives the negated weight ("tidak sesuai" -1.5, "belum sampai" -1, "never arrived" -1:
     words that are neutral alone);
   - **degree**: a booster before (sangat, very, so, super) or after (banget, sekali, parah)
     multiplies a word; a diminisher (agak, sedikit, a bit, slightly) shrinks it; "terlalu" /
     "too" before an adjective of size, time or amount makes it a problem ("terlalu kecil");
   - **contrast**: in a sentence with "tapi" / "namun" / "but" / "however", the words before
     it count half and those after it 1.5 times ("barangnya bagus but delivery lama banget"
     is negative); a clause opened by "walaupun" / "although" counts half and the rest of its
     sentence 1.5 times;
   - **questions**: positive words in a sentence that ends with "?" count 0.3 times ("apakah
     bagus untuk kulit sensitif?" asks, it does not praise); negative ones count in full
     ("kok belum sampai?");

4. the weights of a text add up to ``s``; the score is ``s / sqrt(s² + ALPHA)`` (as VADER
   normalises), and the label is positive at ``score >= THRESHOLD``, negative at
   ``score <= -THRESHOLD``, else neutral.  One clear word (weight 1) is enough for a label, one
   mild word (0.5: "ok", "lumayan", "thanks") is not.

All texts of a batch are processed at once: one regular-expression pass per cleaning step and
for the tokens, one dictionary lookup per distinct token, and the rules as NumPy array
operations over all tokens.  There is no Python loop per text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from kenal.text import clean as _clean

LABELS = ("positive", "neutral", "negative")
ALPHA = 4.0
THRESHOLD = 0.25
NEGATION_WINDOW = 3  # a negator reaches the first weighted word within this many words
NEGATED_POSITIVE = -0.75  # default factor of a negated positive word ("tidak bagus")
NEGATED_NEGATIVE = -0.75  # default factor of a negated negative word ("tidak mahal") ...
NEGATED_NEGATIVE_MAX = 1.0  # ... up to this: "not the worst" is not praise
CONTRAST_BEFORE, CONTRAST_AFTER = 0.5, 1.5
QUESTION_POSITIVE = 0.3
CLITICS = ("nya", "lah", "kah", "pun")

_ROLES = ("negator", "booster", "booster_after", "diminisher", "excess", "gradable", "contrast",
          "concessive", "conjunction")


@dataclass(frozen=True)
class Lexicon:
    """The packaged word lists: terms are lower case, phrases joined with "_"."""

    weights: dict[str, float]  # term -> weight
    negated: dict[str, float]  # term -> weight after a negator, where the lexicon gives it
    roles: dict[str, dict[str, float]]  # role -> {term: factor}
    emoji: dict[str, float]

    @property
    def terms(self) -> set[str]:
        return set(self.weights) | {t for r in self.roles.values() for t in r}

    @property
    def phrases(self) -> list[str]:
        return sorted((t for t in self.terms if "_" in t), key=len, reverse=True)


def _key(term: str) -> str:
    return re.sub(r"[ \-]+", "_", term.strip())


@cache
def lexicon() -> Lexicon:
    """The packaged lexicons, checked (a term twice in one file, a bad number or role: error)."""
    weights: dict[str, float] = {}
    negated: dict[str, float] = {}
    for name in ("sentiment_id.txt", "sentiment_en.txt"):
        seen: set[str] = set()
        for fields in _clean._table(name):
            term = _key(fields[0])
            if term in seen or term != term.lower():
                raise ValueError(f"lexicon/{name}: {fields[0]!r} is repeated or not lower case")
            seen.add(term)
            weights[term] = float(fields[1])
            if len(fields) > 2:
                negated[term] = float(fields[2])
    roles: dict[str, dict[str, float]] = {r: {} for r in _ROLES}
    for fields in _clean._table("modifiers.txt"):
        if len(fields) != 3 or fields[1] not in roles:
            raise ValueError(f"lexicon/modifiers.txt: {fields!r} is not 'term<TAB>role<TAB>factor'")
        roles[fields[1]][_key(fields[0])] = float(fields[2])
    return Lexicon(weights, negated, roles, _clean.emoji_weights())


# --- tokens ------------------------------------------------------------------------------------
@cache
def _phrase_re() -> re.Pattern | None:
    phrases = lexicon().phrases
    if not phrases:
        return None
    alts = ("[ \\-]+".join(map(re.escape, p.split("_"))) for p in phrases)
    return re.compile(r"(?<![\w'])(?:" + "|".join(alts) + r")(?![\w'])")


@cache
def _token_re() -> re.Pattern:
    emoji = "".join(sorted(lexicon().emoji))
    return re.compile(r"<[A-Z]+>|[a-z0-9_']+|[" + re.escape(emoji) + r"]|[.,!?;:\n]|\x00")


def _join_phrases(s: str) -> str:
    pattern = _phrase_re()
    if pattern is None:
        return s
    return pattern.sub(lambda m: _key(m.group(0)), s)


def tokens_of(cleaned: str) -> list[str]:
    """Tokens of cleaned text(s): words (phrases joined with "_"), emoji, punctuation, NUL."""
    return _token_re().findall(_join_phrases(cleaned))


@dataclass
class _Entry:
    weight: float = 0.0
    negated: float = math.nan
    gradable: float = 0.0
    roles: tuple = ()


def _lookup(word: str) -> _Entry | None:
    lex = lexicon()
    roles = tuple((r, terms[word]) for r, terms in lex.roles.items() if word in terms)
    if word in lex.weights or word in lex.emoji or roles:
        weight = lex.weights.get(word, lex.emoji.get(word, 0.0))
        grad = dict(roles).get("gradable", 0.0)
        return _Entry(weight, lex.negated.get(word, math.nan), grad,
                      tuple(r for r in roles if r[0] != "gradable"))
    return None


def _resolve(token: str) -> _Entry:
    """What a distinct token counts for: itself, or a derived form of a known word."""
    entry = _lookup(token)
    if entry is not None:
        return entry
    lex = lexicon()
    slang = _clean.slang()
    word = token.strip("'").rstrip("0123456789")
    candidates = [word] + [word[: -len(c)] for c in CLITICS if word.endswith(c) and len(word) > len(c) + 2]
    for cand in candidates:
        for form in (cand, _key(slang.get(cand, "")), re.sub(r"([a-z])\1", r"\1", cand)):
            if form and form != token:
                found = _lookup(form)
                if found is not None:
                    return found
        # ke-X-an: "too X" (kemahalan, kekecilan, kelamaan)
        if cand.startswith("ke") and cand.endswith("an") and len(cand) > 5:
            stem = cand[2:-2]
            grad = lex.roles["gradable"].get(stem)
            if grad is not None:
                return _Entry(min(lex.weights.get(stem, 0.0), grad))
        # ter-X: superlative of a weighted adjective (termurah, tercepat)
        if cand.startswith("ter") and len(cand) > 5 and lex.weights.get(cand[3:], 0.0):
            return _Entry(lex.weights[cand[3:]] * 1.3)
    return _Entry()


# --- scoring -----------------------------------------------------------------------------------
@dataclass
class Scores:
    """Per text: the summed weight ``raw``, the ``score`` in [-1, 1] and the ``label``."""

    raw: np.ndarray
    score: np.ndarray
    label: np.ndarray  # object array of LABELS

    def __len__(self) -> int:
        return len(self.score)


def label_of(score: np.ndarray) -> np.ndarray:
    return np.where(score >= THRESHOLD, "positive",
                    np.where(score <= -THRESHOLD, "negative", "neutral")).astype(object)


def score_texts(texts: Iterable[str | None]) -> Scores:
    """Sentiment of many texts at once (None or "" is neutral, score 0)."""
    return score_cleaned(*_clean.clean_batch(texts))


def sentiment(text: str | None) -> tuple[str, float]:
    """(label, score) of one text."""
    s = score_texts([text])
    return str(s.label[0]), float(s.score[0])


def score_cleaned(cleaned_joined: str, n: int) -> Scores:
    """Scores of `n` cleaned texts joined by NUL (as :func:`kenal.text.clean.clean_batch` makes)."""
    if n == 0:
        empty = np.zeros(0)
        return Scores(empty, empty, np.zeros(0, dtype=object))
    toks = tokens_of(cleaned_joined)
    raw = _raw_scores(toks, n)
    score = raw / np.sqrt(raw * raw + ALPHA)
    return Scores(raw, score, label_of(score))


def _raw_scores(toks: list[str], n: int) -> np.ndarray:
    if not toks:
        return np.zeros(n)
    codes, uniques = pd.factorize(np.array(toks, dtype=object))
    entries = [_resolve(u) for u in uniques]

    def column(f, dtype=float):
        return np.array([f(e) for e in entries], dtype=dtype)[codes]

    def role(name, default=0.0):
        return column(lambda e: dict(e.roles).get(name, default))

    # Punctuation by its code, found in Python: NumPy drops a trailing NUL from strings, so
    # comparing the tokens to "\x00" in NumPy would match "".
    single = {u: i for i, u in enumerate(uniques) if len(u) == 1}
    doc_break = codes == single.get("\x00", -1)
    sent_end = np.isin(codes, [single.get(p, -1) for p in ".!?\n"])
    question = codes == single.get("?", -1)
    clause_end = np.isin(codes, [single.get(p, -1) for p in ",;:"])
    w = column(lambda e: e.weight)
    nw = column(lambda e: e.negated)
    grad = column(lambda e: e.gradable)
    neg = role("negator") != 0
    pre = role("booster", 1.0) * role("diminisher", 1.0)
    post = role("booster_after", 1.0)
    excess = role("excess")
    contrast = role("contrast") != 0
    concessive = role("concessive") != 0
    conjunction = role("conjunction") != 0

    m = len(toks)
    idx = np.arange(m)
    doc = np.cumsum(doc_break)
    # A sentence (clause) starts after the punctuation that ends the one before, at a text's
    # start, and (clause) at "tapi", "walaupun" or "dan"; the punctuation belongs to what it ends.
    ended = np.r_[False, sent_end[:-1]]
    sent = np.cumsum(ended | doc_break)
    clause = np.cumsum(ended | np.r_[False, clause_end[:-1]] | doc_break | contrast | concessive
                       | conjunction)
    same_prev = np.r_[False, clause[1:] == clause[:-1]]  # token i-1 is in i's clause
    same_next = np.r_[clause[1:] == clause[:-1], False]

    def prev(a, fill):
        return np.r_[fill, a[:-1]]

    def nxt(a, fill):
        return np.r_[a[1:], fill]

    # "terlalu"/"too" + gradable adjective: a problem; + another weighted word: a booster.
    after_excess = prev(excess, 0.0) * same_prev
    hit = (after_excess != 0) & (grad != 0)
    w = np.where(hit, np.minimum(w, grad), w)
    pre = np.where(after_excess != 0, np.where(hit, 1.0, after_excess), pre)
    # booster_after: boosts a weighted word just before it and then loses its own weight.
    polar = (w != 0) | ~np.isnan(nw)
    boosting = (post != 1) & prev(polar, False) & same_prev
    w = np.where(boosting, 0.0, w)
    nw = np.where(boosting, np.nan, nw)
    polar = (w != 0) | ~np.isnan(nw)
    post_factor = np.where(same_next & nxt(boosting, False), nxt(post, 1.0), 1.0)

    # Negation: the nearest negator before, within the window, same clause, nothing weighted between.
    last_neg = np.maximum.accumulate(np.where(neg, idx, -1))
    j = prev(last_neg, -1)
    jc = np.maximum(j, 0)
    pc = np.cumsum(polar)
    negated = (polar & (j >= 0) & (idx - j <= NEGATION_WINDOW) & (clause[jc] == clause)
               & (prev(pc, 0) - pc[jc] == 0))
    default = np.where(w > 0, NEGATED_POSITIVE * w, np.minimum(NEGATED_NEGATIVE * w, NEGATED_NEGATIVE_MAX))
    v = np.where(negated, np.where(np.isnan(nw), default, nw), w)

    # Degree: the modifier before (two in a row multiply: "amat sangat"); before the negator
    # when negated ("sangat tidak puas"), boosters only.
    p1 = np.where(same_prev, prev(pre, 1.0), 1.0)
    p2 = np.where(same_prev & prev(same_prev, False) & (p1 != 1), prev(prev(pre, 1.0), 1.0), 1.0)
    jm = np.maximum(j - 1, 0)
    before_neg = np.where((j >= 1) & (clause[jm] == clause), np.maximum(pre[jm], 1.0), 1.0)
    v = v * np.where(negated, before_neg, p1 * p2) * post_factor

    # Questions: positive words in a sentence ending in "?" count less.
    sent_q = np.bincount(sent, weights=question)[sent] > 0
    v = np.where(sent_q & (v > 0), v * QUESTION_POSITIVE, v)
    # Contrast within a sentence; concessive clauses count half.
    cs = np.cumsum(contrast)
    starts = np.flatnonzero(np.r_[True, sent[1:] != sent[:-1]])
    base = (cs - contrast)[starts]
    upto = cs - base[np.searchsorted(starts, idx, side="right") - 1]
    total = np.bincount(sent, weights=contrast)[sent]
    v = v * np.where(upto > 0, CONTRAST_AFTER, 1.0) * np.where(total - upto > 0, CONTRAST_BEFORE, 1.0)
    # A clause opened by "walaupun"/"although" counts less, the rest of its sentence more.
    factor = np.bincount(clause, weights=role("concessive"))[clause]  # one opener per clause
    conceding = np.bincount(sent, weights=concessive)[sent] > 0
    v = v * np.where(factor > 0, factor, np.where(conceding, CONTRAST_AFTER, 1.0))
    return np.bincount(doc, weights=v, minlength=n)[:n]

"""Reviews, chats, tickets and surveys with planted language, sentiment, aspects and complaints.

A text is assembled from phrases (kenal.sample.phrases) chosen by its planted labels, so the
truth is known exactly.  Spam (a defect) is added from random accounts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kenal.sample._util import DAY, Clock, frame, ids, objects, poisson_times, take
from kenal.sample.phrases import (ASPECTS, CLOSERS, COMPLAINTS, CONNECTORS, JUNK, LANGUAGES,
                                  OPENERS, PHRASES, SENTIMENTS, SPAM_PROMO)
from kenal.sample.population import Population
from kenal.sample.segments import NAMES

CHANNELS = ("review", "chat", "email", "call", "ticket", "survey", "social")
_CHANNEL_W = np.array([34, 20, 11, 7, 13, 9, 6]) / 100
_SUPPORT = [CHANNELS.index(c) for c in ("chat", "email", "call", "ticket")]
# P(positive, neutral, negative) by channel: support channels hear mostly about problems.
_SENTIMENT_P = np.array([(.62, .18, .20), (.15, .40, .45), (.12, .38, .50), (.10, .35, .55),
                         (.05, .30, .65), (.50, .30, .20), (.40, .20, .40)])
_ASPECT_W = np.array([.24, .14, .26, .16, .08, .12])
_LANGUAGE_P = (.55, .20, .25)


def make_interactions(rng: np.random.Generator, pop: Population, clock: Clock,
                      spam_share: float = 0.0, first_id: int = 0
                      ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Interactions (ids in time order from ``first_id + 1``, int timestamps) with text truth
    and the spam rows.

    `spam_share` of all rows are spam (at least one if the share is positive).  Customers write
    while active and up to a month after they stop buying (complaints often come last).
    """
    hi = np.minimum(np.minimum(pop.drop, clock.cutoff - DAY) + 30 * DAY, clock.cutoff)
    owner, t = poisson_times(rng, pop.texts, pop.active, hi)
    n = len(owner)
    seg = pop.seg[owner]
    channel = rng.choice(len(CHANNELS), n, p=_CHANNEL_W)
    lang = rng.choice(len(LANGUAGES), n, p=_LANGUAGE_P)
    sp = _SENTIMENT_P[channel]
    sp[np.isin(seg, [NAMES.index("lapsed"), NAMES.index("promo_hunter")]), 2] *= 1.6
    senti = _draw(rng, sp)
    w = np.tile(_ASPECT_W, (n, 1))
    w[seg == NAMES.index("promo_hunter"), ASPECTS.index("refund_return")] *= 3  # returns
    a1 = _draw(rng, w)
    a2 = (a1 + rng.integers(1, len(ASPECTS), n)) % len(ASPECTS)
    two = rng.random(n) < .3
    complaint = (senti == 2) & (rng.random(n) < np.where(np.isin(channel, _SUPPORT), .8, .35))

    opener = _choose(rng, OPENERS, lang, senti)
    body = _choose(rng, PHRASES, lang, senti, a1)
    starts = np.array([o == "" or o[-1] in ".!" for o in opener], dtype=bool)  # new sentence
    body[starts] = [b[:1].upper() + b[1:] for b in body[starts]]
    second = _choose(rng, CONNECTORS, lang) + _choose(rng, PHRASES, lang, senti, a2)
    closer = np.where(complaint, _choose(rng, COMPLAINTS, lang), _choose(rng, CLOSERS, lang, senti))
    text = (opener + np.where(opener == "", "", " ") + body + np.where(two, second, "")
            + "." + np.where(closer == "", "", " ") + closer)

    stars = np.choose(senti, [rng.choice([4, 5], n, p=[.35, .65]),
                              rng.choice([3, 4], n, p=[.7, .3]), rng.choice([1, 2], n, p=[.6, .4])])
    score = np.choose(senti, [rng.integers(9, 11, n), rng.integers(7, 9, n), rng.integers(0, 7, n)])
    rating = np.where(channel == CHANNELS.index("review"), stars, np.nan)
    nps = np.where(channel == CHANNELS.index("survey"), score, np.nan)
    names = objects(ASPECTS)
    aspects = np.where(two, names[a1] + ";" + names[a2], names[a1])

    spam = _spam(rng, pop, clock, max(1, round(spam_share * n / (1 - spam_share)))
                 if spam_share > 0 else 0)
    k = len(spam["owner"])
    is_spam = np.r_[np.zeros(n, bool), np.ones(k, bool)]
    cust, ts = np.r_[owner, spam["owner"]], np.r_[t, spam["t"]]
    order = np.lexsort((cust, ts))
    iid = ids("I", np.arange(first_id + 1, first_id + n + k + 1), 7)
    table = frame({
        "interaction_id": iid,
        "customer_id": take(pop.customer_id, cust[order]),
        "timestamp": ts[order],  # formatted by the caller
        "channel": objects(CHANNELS)[np.r_[channel, spam["channel"]][order]],
        "text": np.r_[text, spam["text"]][order],
        "rating": np.r_[rating, spam["rating"]][order],
        "nps": np.r_[nps, np.full(k, np.nan)][order],
    })
    truth = frame({
        "interaction_id": iid,
        "language": objects(LANGUAGES)[np.r_[lang, spam["language"]][order]],
        "sentiment": objects(SENTIMENTS)[np.r_[senti, np.ones(k, int)][order]],
        "complaint": np.r_[complaint, np.zeros(k, bool)][order],
        "spam": is_spam[order],
        "aspects": np.r_[aspects, np.full(k, "", dtype=object)][order],
    })
    return table, truth, np.flatnonzero(is_spam[order])


def _spam(rng: np.random.Generator, pop: Population, clock: Clock, k: int) -> dict:
    """Spam posts: half one identical promotion, a quarter bare links, a quarter junk.

    Their language label is nominal: the promotion is Indonesian, links and junk count as "en".
    """
    owner = rng.integers(0, len(pop), k)
    lo = pop.active[owner]
    kind = rng.choice(3, k, p=[.5, .25, .25])
    alphabet = np.array(list("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
    codes = ["".join(c) for c in alphabet[rng.integers(0, len(alphabet), (k, 7))]]
    link = "http://bit.ly/" + objects(codes)
    junk = objects(JUNK)[rng.integers(0, len(JUNK), k)]
    channel = rng.choice([CHANNELS.index(c) for c in ("review", "social", "chat")], k)
    return {
        "owner": owner,
        "t": lo + (rng.random(k) * (clock.cutoff - lo)).astype(np.int64),
        "text": np.where(kind == 0, SPAM_PROMO, np.where(kind == 1, link, junk)),
        "channel": channel,
        "rating": np.where(channel == CHANNELS.index("review"), rng.choice([1.0, 5.0], k), np.nan),
        "language": np.where(kind == 0, LANGUAGES.index("id"), LANGUAGES.index("en")),
    }


def _draw(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a weight matrix."""
    cum = weights.cumsum(axis=1)
    u = rng.random(len(weights))[:, None] * cum[:, -1:]
    return (cum < u).sum(axis=1).clip(max=weights.shape[1] - 1)


def _choose(rng: np.random.Generator, bank: dict, lang: np.ndarray, senti=None, aspect=None):
    """One phrase per row from the bank entry of its (language[, aspect][, sentiment])."""
    out = np.empty(len(lang), dtype=object)
    for key, options in bank.items():
        parts = key if isinstance(key, tuple) else (key,)
        m = lang == LANGUAGES.index(parts[0])
        if aspect is not None:
            m &= aspect == ASPECTS.index(parts[1])
        if senti is not None:
            m &= senti == SENTIMENTS.index(parts[-1])
        out[m] = objects(options)[rng.integers(0, len(options), m.sum())]
    return out

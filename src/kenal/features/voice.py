"""Attitudinal features: what customers say and score, per customer, as Ibis expressions.

Read from ``interactions`` up to the as-of time (spam left out, as of that time) and, when the
text stage has run, ``interaction_scores`` (:mod:`kenal.text.stage`).  Nothing after as-of is read:
the scores table holds one row per text, and a text is used only when its interaction is.

- ``interactions``: interactions of any channel.
- ``nps``: the Net Promoter Score of the customer's answers to "how likely are you to recommend
  us" (0-10): 100 x (promoters, 9-10, minus detractors, 0-6) / answers; -100 to 100.
- ``nps_responses``: those answers (a segment's NPS is pooled over its members' answers).
- ``avg_nps``: their mean.
- ``csat``: customer satisfaction, the share of star ratings (1-5) that are 4 or 5.
- ``ratings``: those ratings; ``avg_rating``: their mean.
- ``texts``: interactions with a scored text (when the texts were scored).
- ``negative_share``: the share of those texts that are negative.
- ``avg_sentiment``: their mean sentiment score (-1 to 1).
- ``sentiment_trend_90d``: the mean score of the texts of the last 90 days minus the mean of the
  earlier ones: below 0, the customer has grown more negative; unknown (null) unless there are
  texts on both sides.
- ``complaints``: interactions that are a complaint: a scored text that is one (a dissatisfied
  text that asks for a response, :mod:`kenal.text.aspects`), or, for an interaction without a
  scored text, a rating of 1-2 stars or an NPS answer of 0-6.

A value that needs an answer, a rating or a text the customer never gave is unknown (null), not 0;
a scale value off its scale is unknown too.  Counts are 0.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir

from kenal.schema import NPS_RANGE, RATING_RANGE
from kenal.store import Store
from kenal.text.spam import spam_flags

INTERACTION_SCORES = "interaction_scores"  # kenal.text.stage; named here so features need not import the text models
TREND_DAYS = 90
# Unknown stays unknown when the feature table fills missing numbers with 0.
NULLABLE = ("avg_rating", "avg_nps", "nps", "csat", "negative_share", "avg_sentiment", "sentiment_trend_90d")


def _share(num: ir.IntegerValue, den: ir.IntegerValue) -> ir.FloatingValue:
    return ibis.ifelse(den > 0, num.cast("float64") / den.cast("float64"), ibis.null("float64"))


def interaction_features(store: Store, as_of: datetime) -> ir.Table | None:
    if not store.has("interactions"):
        return None
    i = store.table("interactions")
    i = i.filter(i.timestamp <= as_of)
    i = i.anti_join(spam_flags(i), "interaction_id")  # spam is no customer voice; judged on what was there at as-of
    # A score off its scale is unknown, not extreme (the health report lists them).
    rating = ibis.ifelse(i.rating.between(*RATING_RANGE), i.rating, ibis.null("float64"))
    nps = ibis.ifelse(i.nps.between(*NPS_RANGE) & (i.nps == i.nps.round()), i.nps, ibis.null("float64"))
    scored = store.has(INTERACTION_SCORES)
    if scored:
        s = store.table(INTERACTION_SCORES).select("interaction_id", _sentiment="sentiment",
                                                   _score="sentiment_score", _complaint="complaint")
        i = i.mutate(_rating=rating, _nps=nps).left_join(s, "interaction_id").drop("interaction_id_right")
        rating, nps = i._rating, i._nps
        text = i._sentiment.notnull()
        complaint = ibis.ifelse(text, i._complaint, (rating <= 2) | (nps <= 6))
    else:
        complaint = (rating <= 2) | (nps <= 6)
    answers = nps.count()
    values = dict(
        interactions=i.count(),
        complaints=i.count(where=complaint),
        avg_rating=rating.mean(),
        avg_nps=nps.mean(),
        nps=ibis.ifelse(answers > 0, (i.count(where=nps >= 9) - i.count(where=nps <= 6)).cast("float64") * 100
                        / answers.cast("float64"), ibis.null("float64")),
        nps_responses=answers,
        csat=_share(i.count(where=rating >= 4), rating.count()),
        ratings=rating.count(),
    )
    if scored:
        recent = i.timestamp > ibis.literal(as_of) - ibis.interval(days=TREND_DAYS)
        values.update(
            texts=i.count(where=text),
            negative_share=_share(i.count(where=i._sentiment == "negative"), i.count(where=text)),
            avg_sentiment=i._score.mean(),
            sentiment_trend_90d=i._score.mean(where=recent) - i._score.mean(where=~recent),
        )
    return i.group_by("customer_id").aggregate(**values)

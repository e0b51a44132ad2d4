"""Interactions: spam and boiler-plate texts, languages, ratings and NPS out of range."""

from __future__ import annotations

from kenal.health.checks import INFO, WARNING, Check
from kenal.health.context import HealthContext, examples, records, scalar
from kenal.schema import NPS_RANGE, RATING_RANGE
from kenal.text.language import language_table
from kenal.text.spam import REASONS as SPAM_REASONS
from kenal.text.spam import spam_flags



def spam(ctx: HealthContext, t) -> list[Check]:
    flags = ctx.store.materialise(spam_flags(t))  # counted and sampled: matched once
    per_reason = records(flags.group_by("spam_reason").aggregate(n=flags.count()).order_by("spam_reason"))
    n = sum(r["n"] for r in per_reason)
    if not n:
        return []
    flagged = t.join(flags, "interaction_id")
    return [Check(
        id="spam_texts", table="interactions", column="text", severity=WARNING, count=n,
        message=f"{n:,} texts are spam or boiler-plate (links only, too short to mean anything, or one promotion "
                "posted by many accounts)",
        action="flagged; features built from interactions (counts, complaints, ratings) leave them out",
        examples=examples(flagged, None, ["interaction_id", "customer_id", "spam_reason", "text", "_source_row"]),
        details=[{"reason": r["spam_reason"], "meaning": SPAM_REASONS[r["spam_reason"]], "texts": r["n"]}
                 for r in per_reason])]


def languages(t) -> list[Check]:
    with_text = t.filter(t.text.notnull())
    langs = language_table(with_text)
    per = records(langs.group_by("language").aggregate(texts=langs.count()).order_by("language"))
    n = sum(r["texts"] for r in per)
    if not n:
        return []
    for r in per:
        r["share"] = r["texts"] / n
    summary = ", ".join(f"{r['language']} {r['share']:.0%}" for r in sorted(per, key=lambda r: -r["texts"]))
    return [Check(
        id="text_languages", table="interactions", column="text", severity=INFO, count=n,
        message=f"languages of {n:,} texts: {summary}",
        action="Indonesian, English and mixed texts are read by the text models; 'other' texts are not scored",
        details=per)]


def out_of_range(t, column: str, low: int, high: int, whole: bool) -> list[Check]:
    value = t[column]
    bad = value.notnull() & ((value < low) | (value > high) | ((value != value.round()) if whole else False))
    n = scalar(bad.sum())
    if not n:
        return []
    scale = f"whole numbers from {low} to {high}" if whole else f"from {low} to {high}"
    return [Check(
        id=f"{column}_out_of_range", table="interactions", column=column, severity=WARNING, count=n,
        message=f"{n:,} {column} values are outside the scale ({scale})",
        action=f"kept in the table; features (average {column}, complaints) leave them out until they are fixed "
               "at the source",
        examples=examples(t, bad, ["interaction_id", "channel", column, "_source_row"]))]


def checks(ctx: HealthContext) -> list[Check]:
    t = ctx.table("interactions")
    if t is None:
        return []
    return [*spam(ctx, t), *languages(t), *out_of_range(t, "rating", *RATING_RANGE, whole=False),
            *out_of_range(t, "nps", *NPS_RANGE, whole=True)]

"""A segment in words and in money: the persona paragraph and the segment's potential.

The persona says who the members are, what they buy, when and where, and how they engage, each
from the members' medians beside everyone's; a sentence is left out when its columns are not in
the feature table.  Protected attributes are never read here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PLATFORM_WORDS = {"android_app": "the Android app", "ios_app": "the iOS app", "other_app": "an app",
                  "mobile_web": "a mobile browser", "desktop_web": "a desktop browser"}
NOTABLY = 1.25  # a share this many times everyone's is worth saying


def duration(days: float) -> str:
    if days < 60:
        return f"{days:.0f} days"
    if days < 730:
        return f"{days / 30.4:.0f} months"
    return f"{days / 365.25:.1f} years"


def _times(n: float) -> str:
    return {1: "once", 2: "twice"}.get(round(n), f"{n:.0f} times")


def _money(value: float, currency: str) -> str:
    return f"{currency} {value:,.0f}"


def _top(values: pd.Series) -> tuple[str, float] | None:
    counts = values.dropna().value_counts(normalize=True)
    return (str(counts.index[0]), float(counts.iloc[0])) if len(counts) else None


def _where(features: pd.DataFrame, mask: np.ndarray) -> str | None:
    for level in ("city", "region"):
        if level not in features:
            continue
        top = _top(features.loc[mask, level])
        if top is None:
            continue
        place, share = top
        everyone = float((features[level] == place).mean())
        return f"{share:.0%} of them in {place} (against {everyone:.0%} of all customers)"
    return None


def persona(features: pd.DataFrame, mask: np.ndarray, currency: str = "IDR") -> str:
    """A paragraph describing the customers selected by ``mask``."""
    members, everyone = features.loc[mask], features
    med = lambda c: float(members[c].median())  # noqa: E731
    all_med = lambda c: float(everyone[c].median())  # noqa: E731
    has = lambda *cols: all(c in features for c in cols)  # noqa: E731
    sentences = []

    who = []
    if has("tenure_days"):
        who.append(f"Customers for {duration(med('tenure_days'))} (median; everyone: "
                   f"{duration(all_med('tenure_days'))})")
    where = _where(features, mask)
    if where:
        who.append(where)
    if who:
        sentences.append(", ".join(who) + ".")

    if has("frequency", "monetary"):
        if med("frequency") < 1:
            sentences.append(f"Most have not bought yet ({(members.frequency >= 1).mean():.0%} have).")
        else:
            orders, spend = float(members.frequency.sum()), float(members.monetary.clip(lower=0).sum())
            what = (f"They have bought {_times(med('frequency'))} (median; everyone: {_times(all_med('frequency'))}), "
                    f"{_money(spend / orders, currency)} per order")
            shares = [c for c in features if c.startswith("share_")]
            if shares:
                top = members[shares].mean().idxmax()
                what += (f", {members[top].mean():.0%} of their spend on {top[6:].replace('_', ' ')} "
                         f"(everyone: {everyone[top].mean():.0%})")
            sentences.append(what + ".")

    if has("recency_days", "frequency") and med("frequency") >= 1:
        sentences.append(f"They last bought {duration(med('recency_days'))} ago (median).")
    where_bought = []
    if has("online_share"):
        where_bought.append(f"{members.online_share.mean():.0%} of their orders are online")
    if has("weekend_share") and members.weekend_share.mean() > NOTABLY * everyone.weekend_share.mean():
        where_bought.append(f"{members.weekend_share.mean():.0%} at weekends")
    if where_bought:
        sentences.append(", ".join(where_bought) + ".")

    how = []
    if has("sessions", "product_views"):
        how.append(f"{med('sessions'):.0f} web or app sessions and {med('product_views'):.0f} product views "
                   f"(median; everyone: {all_med('sessions'):.0f} and {all_med('product_views'):.0f})")
    if has("main_platform"):
        top = _top(members.main_platform)
        if top:
            how.append(f"mostly on {PLATFORM_WORDS.get(top[0], top[0])} ({top[1]:.0%})")
    if has("promo_visits") and members.promo_visits.mean() > NOTABLY * everyone.promo_visits.mean():
        how.append("drawn by promotions")
    if has("return_rate") and members.return_rate.mean() > NOTABLY * everyone.return_rate.mean():
        how.append(f"returning {members.return_rate.mean():.0%} of orders")
    if has("avg_rating") and members.avg_rating.notna().any():
        how.append(f"rating us {members.avg_rating.mean():.1f} of 5 on average")
    if how:
        sentences.append("They engage with " + ", ".join(how) + ".")
    return " ".join(sentences)


def potential(features: pd.DataFrame, mask: np.ndarray, reachable: np.ndarray | None) -> dict[str, float | None]:
    """What the segment is worth acting on.

    conversion_rate: share of members who bought in the last 90 days; average_order_value: their
    revenue over their orders; reachability: share who allow marketing and have an email or phone
    (``None`` when not known).
    """
    members = features.loc[mask]
    out: dict[str, float | None] = {"conversion_rate": None, "average_order_value": None, "reachability": None}
    if "orders_90d" in features:
        out["conversion_rate"] = float((members.orders_90d > 0).mean())
    if "frequency" in features and "monetary" in features and members.frequency.sum() > 0:
        out["average_order_value"] = float(members.monetary.clip(lower=0).sum() / members.frequency.sum())
    if reachable is not None:
        out["reachability"] = float(reachable[mask].mean())
    return out

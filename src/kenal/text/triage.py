"""``kenal text triage``: the open support messages, most urgent first, each with its reasons and a route.

**What is open.**  The interactions table has no status, so "open" is read from the messages
themselves.  For each customer, their latest support message (a channel in :data:`SUPPORT_CHANNELS`:
ticket, chat, email) in the last ``days`` days before the queue's time, with a text, is open
unless the customer wrote something positive after it (a text scored positive, a 4-5 star
rating, an NPS answer of 9-10): a happy review after a ticket means it was settled.  A customer
who writes again is one item, the latest message, and the earlier ones in the window count as
repeated contact.  Spam (:func:`kenal.text.spam.spam_flags`, as of the queue's time) is not
queued.  The queue's time is ``--as-of`` or else the latest interaction that is not in the future.

**Priority** is points out of 100, added up so each reason says what it weighs:

- urgency, up to 60: negative sentiment up to 20 (20 x -score), a complaint 15, escalation words up
  to 20 (20 x the heaviest word's weight in ``lexicon/escalation.txt``: "batal", "refund",
  "lapor", "cancel", "chargeback", "YLKI", "BPSK", "viral" ...), repeated contact 2.5 per earlier
  support message in the window, up to 5;
- customer value, up to 20: 20 x the customer's revenue rank among the latest snapshot's
  customers (0 for the lowest, 1 for the highest; ``features.monetary``), with their value tier
  when the snapshot has a ``value`` segmentation;
- churn risk, up to 20: 20 x ``churn_probability`` of the latest scored snapshot (``scores``).

A source that is missing (no snapshot, no scores) adds nothing, and the output says so; a customer
the source does not hold (one who does not allow profiling, say) gets no points from it.

**Route**: a human agent when the message is very negative (score at most :data:`VERY_NEGATIVE`),
complex (:data:`COMPLEX_ASPECTS` or more aspects, or :data:`LONG_WORDS` or more words), escalates to
a regulator, the law, a chargeback or the public, or comes from a high-value customer (revenue rank
at least :data:`HIGH_VALUE`, the top 10%); otherwise an automated reply.  The route says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from kenal.errors import ConfigError, WorkspaceError
from kenal.store import Store
from kenal.text import clean as _clean
from kenal.text.model import ActiveSentiment, active_model, analyse
from kenal.text.spam import spam_flags

SUPPORT_CHANNELS = ("ticket", "chat", "email")
OPEN_DAYS = 7
POINTS = {"negative": 20.0, "complaint": 15.0, "escalation": 20.0, "repeat": 2.5, "repeat_max": 5.0,
          "value": 20.0, "churn": 20.0}
VERY_NEGATIVE = -0.6
COMPLEX_ASPECTS = 2
LONG_WORDS = 60
HIGH_VALUE = 0.9
HUMAN_KINDS = ("regulator", "legal", "chargeback", "public")
FORMATS = (".csv", ".parquet")
COLUMNS = ["rank", "priority", "route", "route_reasons", "reasons", "interaction_id", "customer_id", "channel",
           "timestamp", "sentiment", "sentiment_score", "complaint", "aspects", "escalation", "contacts",
           "urgency_points", "value_points", "churn_points", "value_rank", "value_segment", "churn_probability",
           "text"]


# --- escalation words --------------------------------------------------------------------------
@cache
def escalation_words() -> list[tuple[str, str, float, re.Pattern]]:
    """(term, kind, weight, pattern) from lexicon/escalation.txt."""
    out = []
    for fields in _clean._table("escalation.txt"):
        if len(fields) != 3:
            raise ValueError(f"lexicon/escalation.txt: {fields!r} is not 'term<TAB>kind<TAB>weight'")
        term, kind, weight = fields
        body = r"\s+".join(re.escape(w).replace(r"\*", r"\w*") for w in term.split())
        out.append((term, kind, float(weight), re.compile(rf"(?<!\w){body}(?!\w)")))
    return out


def escalation_of(cleaned: str) -> list[tuple[str, str, float]]:
    """The escalation words (as matched, kind, weight) in one cleaned text, heaviest first."""
    found = {}
    for _, kind, weight, pattern in escalation_words():
        m = pattern.search(cleaned)
        if m and m.group(0) not in found:
            found[m.group(0)] = (m.group(0), kind, weight)
    return sorted(found.values(), key=lambda f: (-f[2], f[0]))


# --- the queue ---------------------------------------------------------------------------------
@dataclass
class Triage:
    queue: pd.DataFrame  # COLUMNS, sorted by priority
    as_of: datetime
    days: int
    channels: tuple[str, ...]
    sentiment: str  # which sentiment scored the messages
    value_source: str | None  # where customer value came from, None when it is not used
    churn_source: str | None
    notes: list[str] = field(default_factory=list)  # what was not used, and why

    def lines(self) -> list[str]:
        n = len(self.queue)
        humans = int((self.queue.route == "human").sum()) if n else 0
        out = [f"{n:,} open support messages ({', '.join(self.channels)}; a customer's latest in the "
               f"{self.days} days to {self.as_of:%Y-%m-%d %H:%M %Z}, not settled by a later positive word): "
               f"{humans:,} to a human agent, {n - humans:,} to an automated reply.",
               f"Sentiment by the {self.sentiment}."]
        if self.value_source:
            out.append(f"Customer value: {self.value_source}.")
        if self.churn_source:
            out.append(f"Churn risk: {self.churn_source}.")
        return out + self.notes


def _latest_snapshot_with(store: Store, table: str) -> tuple[str, datetime] | None:
    from kenal.outputs import SNAPSHOTS

    if not (store.has(table) and store.has(SNAPSHOTS)):
        return None
    ids = store.table(table).select("snapshot_id").distinct()
    s = store.table(SNAPSHOTS).semi_join(ids, "snapshot_id").order_by(ibis.desc("created_at")).limit(1).execute()
    if s.empty:
        return None
    return str(s.snapshot_id.iloc[0]), pd.Timestamp(s.as_of.iloc[0]).to_pydatetime()


def _value(store: Store, customers: ibis.Table) -> tuple[pd.DataFrame | None, str | None]:
    """value_rank (0 to 1, by revenue) and value_segment of the queue's customers, from the latest snapshot."""
    from kenal.outputs import ASSIGNMENTS, FEATURES

    found = _latest_snapshot_with(store, FEATURES)
    if found is None:
        return None, None
    sid, as_of = found
    f = store.table(FEATURES)
    f = f.filter(f.snapshot_id == sid).select("customer_id", "monetary")
    f = f.mutate(value_rank=ibis.percent_rank().over(order_by=f.monetary.coalesce(0.0)))
    f = f.semi_join(customers, "customer_id")
    source = f"revenue rank among the {{n:,}} customers of snapshot {sid} (as of {as_of:%Y-%m-%d})"
    n = int(store.table(FEATURES).filter(lambda t: t.snapshot_id == sid).count().execute())
    if store.has(ASSIGNMENTS):
        a = store.table(ASSIGNMENTS)
        a = a.filter((a.snapshot_id == sid) & (a.segmentation == "value")).select("customer_id", "segment_name")
        f = f.left_join(a, "customer_id").drop("customer_id_right")
    out = f.execute()
    if "segment_name" not in out.columns:
        out["segment_name"] = None
    return out.rename(columns={"segment_name": "value_segment"}).drop(columns="monetary"), source.format(n=n)


def _churn(store: Store, customers: ibis.Table) -> tuple[pd.DataFrame | None, str]:
    from kenal.scores.scoring import SCORES

    found = _latest_snapshot_with(store, SCORES)
    if found is None:
        return None, "no scores in the workspace, so churn risk is not used (run 'kenal score' to add it)"
    sid, as_of = found
    s = store.table(SCORES)
    s = s.filter(s.snapshot_id == sid).select("customer_id", "churn_probability").semi_join(customers, "customer_id")
    return s.execute(), f"churn_probability of scored snapshot {sid} (as of {as_of:%Y-%m-%d})"


def _queue_time(store: Store, as_of: datetime | None) -> datetime:
    if as_of is not None:
        return as_of
    i = store.table("interactions")
    now = datetime.now(timezone.utc)
    latest = i.filter(i.timestamp <= ibis.literal(now, type="timestamp('UTC')")).timestamp.max().execute()
    if latest is None or latest != latest:
        return now
    latest = pd.Timestamp(latest)
    return (latest if latest.tzinfo else latest.tz_localize("UTC")).to_pydatetime()


def _messages(store: Store, as_of: datetime, days: int, channels: tuple[str, ...]) -> pd.DataFrame:
    """Every non-spam interaction in the window of the customers with a support message with text in it."""
    i = store.table("interactions")
    upto = i.filter(i.timestamp <= ibis.literal(as_of))
    w = upto.filter(upto.timestamp > ibis.literal(as_of - timedelta(days=days)))
    w = w.anti_join(spam_flags(upto), "interaction_id")
    support = w.channel.lower().isin(list(channels)) & w.text.notnull() & (w.text.strip() != "")
    who = w.filter(support).select("customer_id").distinct()
    # an inner join with the distinct customers: a semi-join here would reach PostgreSQL as LEFT SEMI JOIN
    rows = w.join(who, "customer_id").select("interaction_id", "customer_id", "timestamp", "channel", "text",
                                                  "rating", "nps", support=support)
    return rows.execute()


def _points(x: pd.Series) -> pd.Series:
    return x.astype(float).round(1)


def triage(store: Store, as_of: datetime | None = None, days: int = OPEN_DAYS,
           channels: tuple[str, ...] = SUPPORT_CHANNELS, sentiment: ActiveSentiment | None = None) -> Triage:
    """The open support messages of the workspace, prioritised and routed (see the module docstring)."""
    if days < 1:
        raise ConfigError(f"--days {days} must be at least 1")
    channels = tuple(c.strip().lower() for c in channels if c.strip())
    if not channels:
        raise ConfigError("--channels names no channel; expected e.g. ticket,chat,email")
    if not store.has("interactions"):
        raise WorkspaceError("the workspace has no interactions; ingest interactions.csv (tickets, chats, emails) "
                             "to triage them")
    if "text" not in store.table("interactions").columns:
        raise WorkspaceError("the workspace's interactions have no text column; triage reads the messages")
    sentiment = sentiment or active_model(store.workspace)
    as_of = _queue_time(store, as_of)
    m = _messages(store, as_of, days, channels)
    notes: list[str] = []
    empty = Triage(pd.DataFrame(columns=COLUMNS), as_of, days, channels, sentiment.description, None, None, notes)
    if m.empty:
        return empty
    m["timestamp"] = pd.to_datetime(m.timestamp, utc=True)
    m = m.sort_values(["customer_id", "timestamp", "interaction_id"], ignore_index=True)
    signals = analyse(m.text.tolist(), sentiment)
    m["sentiment"] = signals.sentiment.label
    m["sentiment_score"] = signals.sentiment.score
    m["complaint"] = signals.complaint
    m["aspect_list"] = signals.aspects
    m["complaint_phrases"] = signals.complaint_phrases
    has_text = m.text.notna() & (m.text.fillna("").str.strip() != "")
    positive = ((m.sentiment == "positive") & has_text) | (m.rating >= 4) | (m.nps >= 9)

    sup = m[m.support]
    contacts = sup.groupby("customer_id").size()
    latest = sup.groupby("customer_id").tail(1).set_index("customer_id")
    # settled: something positive from the customer after their latest support message
    later = m.join(latest.timestamp.rename("opened"), on="customer_id")
    settled = later[(later.timestamp > later.opened) & positive[later.index]].customer_id.unique()
    q = latest.drop(index=settled).reset_index()
    if q.empty:
        return empty
    q["contacts"] = contacts.loc[q.customer_id].to_numpy()
    cleaned = _clean.clean_texts(q.text)
    q["escalation_words"] = [escalation_of(c) for c in cleaned]
    q["words"] = [len(c.split()) for c in cleaned]

    customers = ibis.memtable(q[["customer_id"]])
    value, value_source = _value(store, customers)
    if value is None:
        notes.append("No snapshot with features, so customer value is not used (run 'kenal run').")
        q["value_rank"], q["value_segment"] = np.nan, None
    else:
        q = q.merge(value, on="customer_id", how="left")
    churn, churn_line = _churn(store, customers)
    churn_source = None
    if churn is None:
        notes.append(churn_line[:1].upper() + churn_line[1:] + ".")
        q["churn_probability"] = np.nan
    else:
        churn_source = churn_line
        q = q.merge(churn, on="customer_id", how="left")
    return Triage(_prioritise(q), as_of, days, channels, sentiment.description, value_source, churn_source, notes)


def _prioritise(q: pd.DataFrame) -> pd.DataFrame:
    p = POINTS
    neg = p["negative"] * np.clip(-q.sentiment_score.astype(float), 0, 1)
    comp = np.where(q.complaint, p["complaint"], 0.0)
    top = np.array([w[0][2] if w else 0.0 for w in q.escalation_words])
    esc = p["escalation"] * top
    rep = np.minimum(p["repeat"] * (q.contacts - 1), p["repeat_max"])
    val = p["value"] * q.value_rank.astype(float).fillna(0.0)
    churn = p["churn"] * q.churn_probability.astype(float).fillna(0.0)
    q["urgency_points"] = _points(neg + comp + esc + rep)
    q["value_points"], q["churn_points"] = _points(val), _points(churn)
    q["priority"] = _points(neg + comp + esc + rep + val + churn)

    reasons, routes, why = [], [], []
    for k, r in enumerate(q.itertuples()):
        out = []
        if neg.iloc[k] > 0:
            out.append(f"negative ({r.sentiment_score:+.2f}): +{neg.iloc[k]:.1f}")
        if r.complaint:
            out.append(f"complaint ({', '.join(r.complaint_phrases)}): +{p['complaint']:.0f}")
        if r.escalation_words:
            words = ", ".join(w if w == kind else f"{w} ({kind})" for w, kind, _ in r.escalation_words)
            out.append(f"escalation: {words}: +{esc[k]:.1f}")
        if r.contacts > 1:
            out.append(f"{r.contacts} support messages in the window: +{rep.iloc[k]:.1f}")
        if r.value_rank == r.value_rank and val.iloc[k] > 0:
            tier = f", tier {r.value_segment}" if isinstance(r.value_segment, str) else ""
            out.append(f"value: revenue rank {r.value_rank:.0%}{tier}: +{val.iloc[k]:.1f}")
        if r.churn_probability == r.churn_probability and churn.iloc[k] > 0:
            out.append(f"churn risk {r.churn_probability:.0%}: +{churn.iloc[k]:.1f}")
        reasons.append("; ".join(out) or "nothing urgent found")
        human = []
        if r.sentiment_score <= VERY_NEGATIVE:
            human.append(f"very negative ({r.sentiment_score:+.2f})")
        if len(r.aspect_list) >= COMPLEX_ASPECTS:
            human.append(f"complex: {len(r.aspect_list)} aspects ({', '.join(r.aspect_list)})")
        if r.words >= LONG_WORDS:
            human.append(f"complex: long ({r.words} words)")
        kinds = sorted({kind for _, kind, _ in r.escalation_words if kind in HUMAN_KINDS})
        if kinds:
            human.append(f"escalation to {', '.join(kinds)}")
        if r.value_rank == r.value_rank and r.value_rank >= HIGH_VALUE:
            human.append(f"high-value customer (revenue rank {r.value_rank:.0%})")
        routes.append("human" if human else "automated")
        why.append("; ".join(human) or "not very negative, simple, no escalation, not a high-value customer")
    q["reasons"], q["route"], q["route_reasons"] = reasons, routes, why
    q["aspects"] = [";".join(a) for a in q.aspect_list]
    q["escalation"] = [";".join(w for w, _, _ in e) for e in q.escalation_words]
    q["text"] = [_clean.mask_pii(t) for t in q.text]  # the message as written, with e-mails, links and phones masked
    q["sentiment_score"] = q.sentiment_score.astype(float).round(4)
    q = q.sort_values(["priority", "timestamp", "interaction_id"], ascending=[False, True, True], ignore_index=True)
    q["rank"] = np.arange(1, len(q) + 1)
    return q[COLUMNS]


def write_queue(t: Triage, output: Path) -> None:
    output = Path(output)
    if output.suffix.lower() not in FORMATS:
        raise ConfigError(f"--output {output}: the file name must end in .csv or .parquet")
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".parquet":
        t.queue.to_parquet(output, index=False)
    else:
        t.queue.to_csv(output, index=False)

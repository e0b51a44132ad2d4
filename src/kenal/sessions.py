"""What the events table means: sessions, who an anonymous visitor was, which sessions are bots.

Health reports these and features use them, so both read the same definitions.

A session is a bot when any of these holds (the first that holds is its reason):

- ``bot_user_agent``: its user agent names a crawler, an HTTP library or a headless browser;
- ``thousands_of_hits``: it has at least ``MAX_HUMAN_HITS`` events;
- ``inhumanly_fast``: at least ``FAST_MIN_HITS`` events at more than one per second on average;
- ``machine_regular``: at least ``REGULAR_MIN_HITS`` events whose gaps vary by less than
  ``REGULAR_MAX_CV`` of their mean (people pause; schedulers do not).

Everything is an Ibis expression, so features can exclude the same sessions health reports.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir

from kenal.store import Store

# Crawlers, HTTP libraries and automation tools.  "[a-z]bot/" catches Googlebot/2.1 and bingbot/2.0
# without catching phone models such as "CUBOT X30".
BOT_AGENT = (r"(?i)([a-z]bot/|\bbot\b|crawl|spider|slurp|scrapy|python-requests|python-urllib|aiohttp|"
             r"httpx|curl/|wget/|go-http-client|okhttp|java/|apache-httpclient|libwww|node-fetch|axios/|"
             r"headlesschrome|phantomjs|selenium|puppeteer|playwright|facebookexternalhit|bytespider)")
MAX_HUMAN_HITS = 1000
FAST_MIN_HITS = 50
REGULAR_MIN_HITS = 30
REGULAR_MAX_CV = 0.1

REASONS = {
    "bot_user_agent": "user agent of a crawler, HTTP library or headless browser",
    "thousands_of_hits": f"{MAX_HUMAN_HITS:,} or more events in one session",
    "inhumanly_fast": "more than one event per second on average",
    "machine_regular": "events at a machine-regular interval",
}


def session_key(events: ir.Table) -> ir.StringValue:
    """The session an event belongs to; an event without a session id is a session of its own."""
    return events.session_id.coalesce(events.message_id)


def identity_map(events: ir.Table) -> ir.Table:
    """anonymous_id -> customer_id from any event that carries both (identify calls above all).

    An anonymous id linked to several customers (a shared device) goes to the one it was linked
    to first; at the same instant, to the smallest customer id.  Aggregates, not a window: a
    window would sort every linked event.
    """
    linked = events.filter(events.anonymous_id.notnull() & events.customer_id.notnull())
    first = linked.group_by("anonymous_id").aggregate(_first_at=linked.timestamp.min())
    at_first = linked.join(first, [linked.anonymous_id == first.anonymous_id, linked.timestamp == first._first_at])
    return at_first.group_by("anonymous_id").aggregate(linked_customer_id=at_first.customer_id.min())


def bot_agents(store: Store) -> ir.Table:
    """The distinct user agents of the events table that name a bot (column ``user_agent``).

    The pattern is matched once per distinct agent.  Both steps are materialised: given a filter
    over a DISTINCT, the engine pushes the regex down into the scan and runs it on every event
    (six times slower on 10M events).
    """
    def compute() -> ir.Table:
        e = store.table("events")
        agents = store.materialise(e.select("user_agent").filter(e.user_agent.notnull()).distinct())
        return agents.filter(agents.user_agent.re_search(BOT_AGENT))

    return store.shared(("bot_agents",), compute, reads=("events",))


def bot_sessions(events: ir.Table, agents: ir.Table) -> ir.Table:
    """One row per bot session of ``events``: ``session``, ``reason``, ``hits``.

    ``agents`` holds the bot user agents (:func:`bot_agents`); agents that ``events`` lacks do no harm.
    """
    e = events.mutate(session=session_key(events))
    by_agent = e.semi_join(agents, "user_agent").select("session").distinct().mutate(bot_agent=True)
    s = e.group_by("session").aggregate(
        hits=e.count(),
        span=e.timestamp.max().epoch_seconds() - e.timestamp.min().epoch_seconds(),
    )
    s = s.left_join(by_agent, "session").select(*s.columns, bot_agent=by_agent.bot_agent.coalesce(False))
    # Gaps between consecutive events only for sessions long enough to judge regularity: a window
    # over every event would sort the whole table.
    long = e.select("session", "timestamp", "message_id").semi_join(s.filter(s.hits >= REGULAR_MIN_HITS), "session")
    ts = long.timestamp.epoch_seconds()
    gaps = long.mutate(gap=ts - ts.lag().over(group_by="session", order_by=["timestamp", "message_id"]))
    regular = gaps.group_by("session").aggregate(gap_mean=gaps.gap.mean(), gap_std=gaps.gap.std())
    s = s.left_join(regular, "session").select(*s.columns, "gap_mean", "gap_std")
    reason = ibis.cases(
        (s.bot_agent, "bot_user_agent"),
        (s.hits >= MAX_HUMAN_HITS, "thousands_of_hits"),
        ((s.hits >= FAST_MIN_HITS) & (s.span < s.hits), "inhumanly_fast"),
        ((s.hits >= REGULAR_MIN_HITS) & (s.gap_mean > 0) & (s.gap_std < REGULAR_MAX_CV * s.gap_mean),
         "machine_regular"),
        else_=ibis.null("string"),
    )
    s = s.mutate(reason=reason)
    return s.filter(s.reason.notnull()).select("session", "reason", "hits")


def all_bot_sessions(store: Store) -> ir.Table:
    """:func:`bot_sessions` over every event of the store, computed once for health and features."""
    return store.shared(("bot_sessions",), lambda: bot_sessions(store.table("events"), bot_agents(store)),
                        reads=("events",))


def bot_sessions_as_of(store: Store, as_of: datetime) -> ir.Table:
    """:func:`bot_sessions` of the events up to ``as_of``, derived from :func:`all_bot_sessions`.

    A session is judged on its own events only, so a session with no event after ``as_of`` gets the
    same verdict either way; only the sessions that go on after ``as_of`` are judged again, on their
    earlier events.  No later row can change the result.
    """
    def compute() -> ir.Table:
        e = store.table("events")
        e = e.mutate(session=session_key(e))
        later = e.filter(e.timestamp > as_of)
        going_on = store.materialise(later.select("session").distinct())
        kept = all_bot_sessions(store).anti_join(going_on, "session")
        earlier = e.filter(e.timestamp <= as_of).semi_join(going_on, "session").drop("session")
        return kept.union(bot_sessions(earlier, bot_agents(store)))

    return store.shared(("bot_sessions", as_of), compute, reads=("events",))


def without_bots(events: ir.Table, bots: ir.Table) -> ir.Table:
    """The events of people: every event of a ``bots`` session (:func:`bot_sessions`) removed."""
    keyed = events.mutate(_session=session_key(events))
    return keyed.anti_join(bots, keyed._session == bots.session).drop("_session")


def customer_events(store: Store, as_of: datetime) -> ir.Table:
    """The events of people up to ``as_of``, each with the customer it belongs to: bot sessions
    removed, anonymous events attributed through :func:`identity_map`. Features and rule segments
    both read events through this, so both count the same events."""
    e = store.table("events")
    e = e.filter(e.timestamp <= as_of)
    e = without_bots(e, bot_sessions_as_of(store, as_of))
    ids = store.shared(("identity_map", as_of), lambda: identity_map(e), reads=("events",))
    # Only anonymous events need the link; never-linked anonymous traffic stays out.
    anonymous = e.filter(e.customer_id.isnull())
    anonymous = anonymous.join(ids, "anonymous_id").mutate(customer_id=ids.linked_customer_id)
    return e.filter(e.customer_id.notnull()).union(anonymous.select(*e.columns))

"""What the events table means: sessions, who an anonymous visitor was, which sessions are bots.

Health reports these and features use them, so both read the same definitions.

A session is a bot when any of these holds (the first that holds is its reason):

- ``bot_user_agent``: its user agent names a crawler, an HTTP library or a headless browser;
- ``thousands_of_hits``: it has at least ``MAX_HUMAN_HITS`` events;
- ``inhumanly_fast``: at least ``FAST_MIN_HITS`` events at more than one per second on average;
- ``machine_regular``: at least ``REGULAR_MIN_HITS`` events whose gaps vary by less than
  ``REGULAR_MAX_CV`` of their mean (people pause; schedulers do not).

Everything is an Ibis expression, so features can exclude the same sessions health reports.  Both
read sessions through one summary of the events (:func:`summarise`): 107M events make 19M rows,
grouped once, where health and features each grouped every event several times.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir

from kenal.store import Store, conform

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


# Segment-spec event names (https://segment.com/docs/connections/spec/ecommerce/v2/).
PRODUCT_VIEWED, PRODUCT_ADDED = "Product Viewed", "Product Added"
CHECKOUT_STARTED, ORDER_COMPLETED = "Checkout Started", "Order Completed"
SUMMARY_KEY = ("session", "customer_id", "anonymous_id", "user_agent")
# What a visitor did in a session, counted per summary row (features add them up).
WEB_COUNTS = ("page_views", "product_views", "cart_adds", "checkouts", "web_orders", "pricing_visits",
              "promo_visits", "screens")


def session_key(events: ir.Table) -> ir.StringValue:
    """The session an event belongs to; an event without a session id is a session of its own."""
    return events.session_id.coalesce(events.message_id)


def summarise(events: ir.Table) -> ir.Table:
    """One row per session and each (customer id, anonymous id, user agent) seen in it: ``hits``, the
    ``started`` and ``ended`` timestamps and what the visitor did (the counts features add up).

    Every question health and features ask of sessions is answered from these rows: a session's hits
    and span, who an anonymous id turned out to be, what each customer did in each session."""
    e = events.mutate(session=session_key(events))
    page = e.type == "page"
    where = {
        "page_views": page,
        "product_views": e.event == PRODUCT_VIEWED,
        "cart_adds": e.event == PRODUCT_ADDED,
        "checkouts": e.event == CHECKOUT_STARTED,
        "web_orders": e.event == ORDER_COMPLETED,
        # ILIKE, not lower() then startswith: no lowered copy of every path (a third less time)
        "pricing_visits": page & e.page_path.ilike("/pricing%"),
        "promo_visits": page & e.page_path.ilike("/promo%"),
        "screens": e.type == "screen",
    }
    # Counted, not summed: DuckDB sums into a 128-bit integer, which its Parquet writer (the summary is
    # spilled) turns into a float, and the feature table's counts would become floats.
    return e.group_by(list(SUMMARY_KEY)).aggregate(
        hits=e.count(), started=e.timestamp.min(), ended=e.timestamp.max(),
        **{name: e.count(where=where[name]) for name in WEB_COUNTS})


def _of_sessions(events: ir.Table, sessions: ir.Table) -> ir.Table:
    """The rows of ``events`` whose session is in ``sessions`` (column ``session``)."""
    keyed = events.mutate(_session=session_key(events))
    return keyed.semi_join(sessions, keyed._session == sessions.session).drop("_session")


def _going_on(store: Store, until: datetime) -> tuple[ir.Table, ir.Table, ir.Table]:
    """The sessions with an event after ``until`` (column ``session``), their events up to it, and the
    :func:`summarise` of those events.

    These are the only sessions whose summary or verdict up to ``until`` differs from the one over
    all events; every other session is taken as it is, so no later row can change a result."""
    def compute() -> ir.Table:
        e = store.table("events")
        return e.filter(e.timestamp > until).select(session=session_key(e)).distinct()

    going_on = store.shared(("going_on", until), compute, reads=("events",))
    e = store.table("events")
    earlier = _of_sessions(e.filter(e.timestamp <= until), going_on)
    return going_on, earlier, store.shared(("sessions", until), lambda: summarise(earlier), reads=("events",))


def sessions(store: Store, until: datetime | None = None) -> ir.Table:
    """:func:`summarise` of the events of the store (up to ``until``), computed once for health and features."""
    every = store.shared(("sessions",), lambda: summarise(store.table("events")), reads=("events",), large=True)
    if until is None:
        return every
    going_on, _, again = _going_on(store, until)
    return every.anti_join(going_on, "session").union(conform(again, dict(every.schema().items())))


def identity_map(sessions: ir.Table) -> ir.Table:
    """anonymous_id -> customer_id from a session summary (:func:`summarise`): from any event that
    carries both ids (identify calls above all).

    An anonymous id linked to several customers (a shared device) goes to the one it was linked
    to first; at the same instant, to the smallest customer id.  Aggregates, not a window: a
    window would sort every linked row.
    """
    linked = sessions.filter(sessions.anonymous_id.notnull() & sessions.customer_id.notnull())
    first = linked.group_by("anonymous_id").aggregate(_first_at=linked.started.min())
    at_first = linked.join(first, [linked.anonymous_id == first.anonymous_id, linked.started == first._first_at])
    return at_first.group_by("anonymous_id").aggregate(linked_customer_id=at_first.customer_id.min())


def identities(store: Store, until: datetime | None = None) -> ir.Table:
    """:func:`identity_map` of the events up to ``until`` (all with None), computed once."""
    return store.shared(("identity_map", until), lambda: identity_map(sessions(store, until)), reads=("events",))


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


def bot_sessions(events: ir.Table, agents: ir.Table, summary: ir.Table | None = None) -> ir.Table:
    """One row per bot session of ``events``: ``session``, ``reason``, ``hits``.

    ``agents`` holds the bot user agents (:func:`bot_agents`); agents that ``events`` lacks do no harm.
    ``summary`` is :func:`summarise` of ``events``, where it is at hand.
    """
    summary = summarise(events) if summary is None else summary
    by_agent = summary.semi_join(agents, "user_agent").select("session").distinct().mutate(bot_agent=True)
    s = summary.group_by("session").aggregate(
        hits=summary.hits.sum(),
        span=summary.ended.max().epoch_seconds() - summary.started.min().epoch_seconds(),
    )
    s = s.left_join(by_agent, "session").select(*s.columns, bot_agent=by_agent.bot_agent.coalesce(False))
    # Gaps between consecutive events only for sessions long enough to judge regularity: a window
    # over every event would sort the whole table.
    long = _of_sessions(events, s.filter(s.hits >= REGULAR_MIN_HITS))
    long = long.select("timestamp", "message_id", session=session_key(long))
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
    return store.shared(("bot_sessions",), lambda: bot_sessions(store.table("events"), bot_agents(store),
                                                                sessions(store)), reads=("events",))


def bot_sessions_as_of(store: Store, as_of: datetime) -> ir.Table:
    """:func:`bot_sessions` of the events up to ``as_of``, derived from :func:`all_bot_sessions`.

    A session is judged on its own events only, so a session with no event after ``as_of`` gets the
    same verdict either way; only the sessions that go on after ``as_of`` are judged again, on their
    earlier events.  No later row can change the result.
    """
    def compute() -> ir.Table:
        going_on, earlier, summary = _going_on(store, as_of)
        kept = all_bot_sessions(store).anti_join(going_on, "session")
        return kept.union(bot_sessions(earlier, bot_agents(store), summary))

    return store.shared(("bot_sessions", as_of), compute, reads=("events",))


def without_bots(events: ir.Table, bots: ir.Table) -> ir.Table:
    """The events of people: every event of a ``bots`` session (:func:`bot_sessions`) removed."""
    keyed = events.mutate(_session=session_key(events))
    return keyed.anti_join(bots, keyed._session == bots.session).drop("_session")


def _attributed(t: ir.Table, ids: ir.Table) -> ir.Table:
    """Rows of events or of a session summary, each with the customer it belongs to: anonymous rows
    linked through ``ids`` (:func:`identity_map`); never-linked anonymous traffic left out."""
    anonymous = t.filter(t.customer_id.isnull())
    anonymous = anonymous.join(ids, "anonymous_id").mutate(customer_id=ids.linked_customer_id)
    return t.filter(t.customer_id.notnull()).union(anonymous.select(*t.columns))


def customer_sessions(store: Store, as_of: datetime) -> ir.Table:
    """The session summary (:func:`summarise`) of people up to ``as_of``, each row with the customer
    it belongs to: what :func:`customer_events` holds, summed per session."""
    s = sessions(store, as_of)
    s = s.anti_join(bot_sessions_as_of(store, as_of), "session")
    return _attributed(s, identities(store, as_of))


def customer_events(store: Store, as_of: datetime) -> ir.Table:
    """The events of people up to ``as_of``, each with the customer it belongs to: bot sessions
    removed, anonymous events attributed through :func:`identity_map`. Features and rule segments
    both read events this way (features through :func:`customer_sessions`), so both count the same events."""
    e = store.table("events")
    e = without_bots(e.filter(e.timestamp <= as_of), bot_sessions_as_of(store, as_of))
    return _attributed(e, identities(store, as_of))

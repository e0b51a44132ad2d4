"""Behavioural events: bots, clocks that disagree, sessions that never end, identities linked."""

from __future__ import annotations

from datetime import timedelta

from kenal.health.checks import INFO, WARNING, Check
from kenal.health.context import HealthContext, examples, plain, records, scalar
from kenal.sessions import REASONS, all_bot_sessions, identities, session_key, sessions

UNSORTED_SHARE = 0.2  # more out of order than this: the file is sorted by something other than time


def bots(ctx: HealthContext) -> list[Check]:
    e = ctx.store.table("events")
    found = all_bot_sessions(ctx.store)
    per_reason = records(found.group_by("reason").aggregate(sessions=found.count(), events=found.hits.sum())
                         .order_by("reason"))
    if not per_reason:
        return []
    sessions = sum(r["sessions"] for r in per_reason)
    n_events = sum(r["events"] for r in per_reason)
    keyed = e.mutate(session=session_key(e))
    bot_events = keyed.semi_join(found, "session")
    first = bot_events.group_by("session").aggregate(_source_row=bot_events._source_row.min(),
                                                      user_agent=bot_events.user_agent.min())
    sample = first.join(found, "session")
    return [Check(
        id="bot_sessions", table="events", severity=WARNING, count=sessions,
        message=f"{sessions:,} sessions with {n_events:,} events are bots or crawlers",
        action="flagged; their events are excluded from every feature",
        examples=examples(sample, None, ["session", "reason", "hits", "user_agent"], ["_source_row"]),
        details=[{"reason": r["reason"], "meaning": REASONS[r["reason"]], "sessions": r["sessions"],
                  "events": r["events"]} for r in per_reason]),
        Check(id="bot_events", table="events", severity=WARNING, count=n_events,
              message=f"{n_events:,} events come from bot sessions",
              action="excluded from features; kept in the events table")]


def out_of_order(ctx: HealthContext) -> list[Check]:
    """Events recorded earlier than the event before them in the same session (file order)."""
    events = ctx.store.table("events")
    # Only the columns the window needs: it sorts every column it carries (at 100M events, carrying
    # all of them spilled 25 GB).  The file is carried as a 64-bit hash of its path, not the path:
    # half the time (107M events: 44 s -> 21 s).  Two paths of one workspace sharing a hash would
    # take 2^32 files.  The few rows found get their message ids afterwards.
    e = events.filter(events.session_id.notnull())
    e = e.select("session_id", "timestamp", "_source_row", _file=e._source_file.hash())
    previous = e.timestamp.lag().over(group_by=["session_id", "_file"], order_by="_source_row")
    e = e.mutate(previous_timestamp=previous)
    e = ctx.store.materialise(e.filter(e.timestamp < e.previous_timestamp))
    n = scalar(e.count())
    if not n:
        return []
    with_session = scalar(ctx.store.table("events").session_id.notnull().sum())
    if n > UNSORTED_SHARE * with_session:  # an export sorted by something else, not clocks gone wrong
        return [Check(
            id="events_not_in_time_order", table="events", column="timestamp", severity=INFO, count=n,
            message=f"{n:,} of {with_session:,} events with a session come before the event above them in the "
                    "file: the file is not in time order, so out-of-order clocks cannot be judged from it",
            action="nothing to do; features do not depend on the order of rows")]
    found = events.join(e, [events.session_id == e.session_id, events.timestamp == e.timestamp,
                            events._source_file.hash() == e._file, events._source_row == e._source_row])
    return [Check(
        id="timestamp_out_of_order", table="events", column="timestamp", severity=WARNING, count=n,
        message=f"{n:,} events are timestamped before the event that precedes them in their session",
        action="kept as recorded (a device clock or a late upload); features count events per session, "
               "so their order does not change them",
        examples=examples(found, None, ["message_id", "session_id", "previous_timestamp", "timestamp", "_source_row"]))]


def long_sessions(ctx: HealthContext) -> list[Check]:
    """Sessions spanning more than the cap (tabs left open, ids reused)."""
    cap = ctx.settings.session_cap_hours
    s = sessions(ctx.store, until=ctx.now + timedelta(days=1))
    s = s.group_by("session").aggregate(start=s.started.min(), end=s.ended.max(), events=s.hits.sum())
    s = s.mutate(hours=(s.end.epoch_seconds() - s.start.epoch_seconds()).cast("float64") / 3600.0)
    s = ctx.store.materialise(s.filter(s.hours > cap))
    n = scalar(s.count())
    if not n:
        return []
    e = ctx.store.table("events")
    e = e.mutate(session=session_key(e)).semi_join(s, "session")
    first_rows = e.group_by("session").aggregate(_source_row=e._source_row.min())
    s = s.join(first_rows, "session").rename(session_id="session")
    return [Check(
        id="long_sessions", table="events", column="session_id", severity=WARNING, count=n,
        message=f"{n:,} sessions last longer than {cap} hours",
        action=f"features count each started {cap}-hour period of a session as a session of its own "
               "(setting session_cap_hours)",
        examples=examples(s, None, ["session_id", "start", "end", "events"], "_source_row"))]


def identified(ctx: HealthContext) -> list[Check]:
    """Anonymous events that an identify call later linked to a customer."""
    s = sessions(ctx.store)
    anonymous = s.filter(s.customer_id.isnull() & s.anonymous_id.notnull())
    joined = anonymous.left_join(identities(ctx.store), "anonymous_id")
    counts = joined.aggregate(anonymous=joined.hits.sum(), linked=joined.hits.sum(where=joined.linked_customer_id.notnull()))
    counts = counts.execute().iloc[0]
    n_anonymous, n_linked = int(plain(counts["anonymous"]) or 0), int(plain(counts["linked"]) or 0)
    if not n_anonymous:
        return []
    share = n_linked / n_anonymous
    return [Check(
        id="anonymous_events_linked", table="events", column="anonymous_id", severity=INFO, count=n_linked,
        share=share,
        message=f"{n_linked:,} of {n_anonymous:,} anonymous events ({share:.1%}) were linked to a customer "
                "by an event carrying both ids (an identify call)",
        action="linked events count toward their customer's features; the rest stay anonymous visitors")]


def checks(ctx: HealthContext) -> list[Check]:
    if not ctx.store.has("events"):
        return []
    return [*bots(ctx), *out_of_order(ctx), *long_sessions(ctx),
            *identified(ctx)]


"""Bot sessions as of a date are derived from the bot sessions of all events: the same verdicts as
judging the earlier events afresh, with only the sessions that go on after the date judged again."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from kenal.sessions import (
    all_bot_sessions,
    bot_agents,
    bot_sessions,
    bot_sessions_as_of,
    customer_events,
    customer_sessions,
)

AS_OF = datetime(2026, 3, 31, 12, tzinfo=timezone.utc)
BROWSER = "Mozilla/5.0 (Windows NT 10.0) Chrome/120"


def events(session: str, agent: str, seconds: list[float]) -> list[dict]:
    return [{"message_id": f"{session}-{i}", "session_id": session, "user_agent": agent, "customer_id": "C1",
             "anonymous_id": None, "timestamp": AS_OF + timedelta(seconds=s), "type": "page", "event": None,
             "page_path": "/"} for i, s in enumerate(seconds)]


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).astype({"timestamp": "datetime64[us, UTC]", "anonymous_id": "string", "event": "string"})


# S1: 40 hits before the date and 20 after, 0 or 1 s apart: inhumanly fast only with the later hits.
S1 = events("S1", BROWSER, [-40 + i // 2 for i in range(40)] + [1 + i // 2 for i in range(20)])
S2 = events("S2", "Googlebot/2.1", [-300, -200, -100])  # a crawler, all before
S3 = events("S3", "Googlebot/2.1", [100, 200])  # a crawler, all after
S4 = events("S4", BROWSER, [-900, -700, -400, -50])  # a person
S5 = events("S5", "python-requests/2.31", [-20, -10, 10, 20])  # a script going on after the date


def as_rows(t) -> list[tuple]:
    return sorted(map(tuple, t.execute()[["session", "reason", "hits"]].values.tolist()))


def test_bot_sessions_as_of_match_judging_the_earlier_events_afresh(store):
    store.write("events", frame(S1 + S2 + S3 + S4 + S5))
    assert as_rows(all_bot_sessions(store)) == [
        ("S1", "inhumanly_fast", 60), ("S2", "bot_user_agent", 3), ("S3", "bot_user_agent", 2),
        ("S5", "bot_user_agent", 4)]
    expected = [("S2", "bot_user_agent", 3), ("S5", "bot_user_agent", 2)]
    assert as_rows(bot_sessions_as_of(store, AS_OF)) == expected
    e = store.table("events")
    assert as_rows(bot_sessions(e.filter(e.timestamp <= AS_OF), bot_agents(store))) == expected


def test_shared_bot_sessions_are_forgotten_when_events_are_written(store):
    store.write("events", frame(S4))
    assert as_rows(all_bot_sessions(store)) == []
    found = all_bot_sessions(store)
    store.append("snapshots", pd.DataFrame({"snapshot_id": ["s1"]}))  # a run writes other tables meanwhile
    store.write("health", pd.DataFrame({"check": ["bots"]}))
    assert all_bot_sessions(store) is found  # not computed again
    store.append("events", frame(events("S6", "curl/8.4.0", [-5])))
    assert as_rows(all_bot_sessions(store)) == [("S6", "bot_user_agent", 1)]
    assert as_rows(bot_sessions_as_of(store, AS_OF)) == [("S6", "bot_user_agent", 1)]


def per_session(t) -> dict[tuple, int]:
    """Hits per (customer, session): a session summary's rows summed, or events counted."""
    if "hits" not in t.columns:
        t = t.mutate(session=t.session_id, hits=1)
    n = t.group_by(["customer_id", "session"]).aggregate(hits=t.hits.sum()).execute()
    return {(c, s): int(h) for c, s, h in n[["customer_id", "session", "hits"]].values.tolist()}


def test_customer_sessions_hold_the_customer_events_as_of_each_date(store):
    # S7: A8 browses anonymously before the date and identifies as C2 only after it.
    s7 = [{**e, "customer_id": None, "anonymous_id": "A8"} for e in events("S7", BROWSER, [-100, -50, 200])]
    s7 += [{**e, "anonymous_id": "A8", "customer_id": "C2"} for e in events("S7", BROWSER, [100])]
    for i, e in enumerate(s7):
        e["message_id"] = f"S7-{i}"
    store.write("events", frame(S1 + S2 + S3 + S4 + S5 + s7))
    # As of the date: A8 is nobody yet; S1 (40 hits so far) is a person; S2, S5 are bots.
    before = per_session(customer_sessions(store, AS_OF))
    assert before == {("C1", "S1"): 40, ("C1", "S4"): 4} == per_session(customer_events(store, AS_OF))
    # A day later: A8 is C2, so all of S7 is C2's; S1 turned inhumanly fast; S3 is a crawler.
    later = AS_OF + timedelta(days=1)
    after = per_session(customer_sessions(store, later))
    assert after == {("C1", "S4"): 4, ("C2", "S7"): 4} == per_session(customer_events(store, later))

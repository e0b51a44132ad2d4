"""Planted data-quality defects, each recorded row by row so checks can be scored exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kenal.sample._util import (DAY, ONLINE_HOURS, Clock, arrow, format_ts, frame, ids, strings,
                                take, time_of_day)
from kenal.sample.catalog import UNKNOWN_CURRENCIES, Catalog
from kenal.sample.stream import (BOT, BOT_AGENTS, BOT_PAGE, FIXED_PAGES, HUMAN_AGENTS, IDENTIFY,
                                 ORDER, PRODUCT_PAGE, Stream)

DEFECTS = ("duplicate_transactions", "near_duplicate_transactions", "unknown_currency",
           "bot_sessions", "bot_events", "future_timestamps", "out_of_order_timestamps",
           "missing_income", "spam_texts")
SHARES = {"duplicate_transactions": .005, "near_duplicate_transactions": .002,
          "unknown_currency": .001, "future_timestamps": .0005, "out_of_order_timestamps": .0005,
          "missing_income": .15, "spam_texts": .02}


def count(name: str, rows: int) -> int:
    """How many rows get defect `name` out of `rows` (at least one, so every defect is present)."""
    return max(1, round(SHARES[name] * rows)) if rows else 0


def truth_rows(table: str, keys, defect: str) -> pd.DataFrame:
    """Rows of truth["defects"]: which row of which table carries which defect."""
    keys = np.asarray(keys, dtype=object)
    return frame({"table": np.full(len(keys), table, dtype=object), "key": keys,
                  "defect": np.full(len(keys), defect, dtype=object)})


def plant_transactions(rng: np.random.Generator, txns: pd.DataFrame, items: pd.DataFrame,
                       ts: np.ndarray, clock: Clock, first_id: int = 0
                       ) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.DataFrame]]:
    """Exact duplicates, double-submitted payments and unknown currency codes.

    `ts` is the int time of each row of `txns`, whose ids are numbered from ``first_id + 1``;
    the new payments take the numbers after them.  Returns the new tables and the truth rows.
    """
    n = len(txns)
    n_dup, n_near, n_unk = (count(k, n) for k in (
        "duplicate_transactions", "near_duplicate_transactions", "unknown_currency"))
    order = rng.permutation(n)  # disjoint rows for the three defects, in random order
    dup = np.sort(order[:n_dup])
    rest = order[n_dup:]
    kind = (txns["kind"] == "purchase").to_numpy()
    idr = (txns["currency"] == "IDR").to_numpy()
    near = np.sort(rest[kind[rest] & (ts[rest] <= clock.cutoff - 120)][:n_near])
    rest = np.setdiff1d(rest, near, assume_unique=True)
    rest = rng.permutation(rest)
    unk = np.sort(rest[idr[rest]][:n_unk])

    txns = txns.copy()
    mask = np.zeros(n, bool)
    mask[unk] = True
    codes = take(UNKNOWN_CURRENCIES, rng.integers(0, len(UNKNOWN_CURRENCIES), len(unk)))
    currency = arrow(txns["currency"])
    txns["currency"] = strings(pc.replace_with_mask(currency, pa.array(mask), codes))
    copies = txns.iloc[dup]
    # A double-submitted payment: new id, same customer and amount, 5-120 s later, same items.
    twins = txns.iloc[near].copy()
    new_ids = ids("T", np.arange(first_id + n + 1, first_id + n + len(near) + 1), 8)
    twin_t = ts[near] + rng.integers(5, 121, len(near))
    twins["transaction_id"] = strings(new_ids)
    twins["timestamp"] = strings(format_ts(twin_t))
    old_to_new = dict(zip(txns["transaction_id"].iloc[near], new_ids.to_pylist()))
    twin_items = items[items["transaction_id"].isin(old_to_new)].copy()
    renamed = twin_items["transaction_id"].map(old_to_new).to_numpy(object)
    twin_items["transaction_id"] = strings(renamed)

    all_t = np.concatenate([ts, ts[dup], twin_t])
    out = pd.concat([txns, copies, twins], ignore_index=True)
    out = out.take(np.argsort(all_t, kind="stable")).reset_index(drop=True)
    items = pd.concat([items, twin_items], ignore_index=True)
    tid = txns["transaction_id"]
    truth = [truth_rows("transactions", tid.iloc[dup], "duplicate_transactions"),
             truth_rows("transactions", new_ids, "near_duplicate_transactions"),
             truth_rows("transactions", tid.iloc[unk], "unknown_currency")]
    return out, items, truth


def bot_stream(rng: np.random.Generator, catalog: Catalog, clock: Clock,
               n_customers: int) -> Stream:
    """Crawler sessions: hundreds to thousands of page hits at a fixed, inhuman interval."""
    S = max(2, round(n_customers / 2500))
    hits = np.exp(rng.uniform(np.log(200), np.log(3000), S)).astype(np.int64)
    every = rng.choice([.5, 1.0, 1.0, 2.0, 3.0], S)
    span = (hits * every).astype(np.int64) + 1
    start = clock.start + (rng.random(S) * (clock.cutoff - clock.start - span)).astype(np.int64)
    sess = np.repeat(np.arange(S), hits)
    pos = np.arange(len(sess)) - np.repeat(np.cumsum(hits) - hits, hits)
    n_prod = len(catalog.price)
    crawl = (rng.integers(0, n_prod, S)[sess] + pos) % n_prod  # walks the catalogue in order
    product_hit = rng.random(len(sess)) < .85
    m = len(sess)
    path = np.where(product_hit, PRODUCT_PAGE + crawl, rng.integers(0, len(FIXED_PAGES), m))
    return Stream(
        sess=sess, pos=pos, t=start[sess] + (pos * every[sess]).astype(np.int64),
        block=np.full(m, BOT_PAGE, np.int8), prod=np.where(product_hit, crawl, -1), path=path,
        qty=np.ones(m, np.int64), kind=np.full(S, BOT, np.int8), cust=np.full(S, -1),
        anon=np.ones(S, bool), ua=HUMAN_AGENTS + rng.integers(0, len(BOT_AGENTS), S),
        txn=np.full(S, -1), value=np.zeros(S), cur=np.zeros(S, np.int64),
    )


def skew_timestamps(rng: np.random.Generator, s: Stream,
                    created: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Device-clock errors on human events of an ordered stream; returns rows (future, skewed).

    Future: the last event of a session jumps to 2031-2035.  Out of order: one event inside a
    session is set 10 min to 4 h before the previous event while keeping its place in the stream,
    but never before its customer's account was `created` (customer index -> time): that would
    be a second defect, an event before sign-up.
    """
    human = s.kind[s.sess] != BOT
    n_human = int(human.sum())
    last = np.r_[s.sess[1:] != s.sess[:-1], True]
    plain = human & (s.block != ORDER) & (s.block != IDENTIFY)
    cand = np.flatnonzero(plain & last)
    n_future = min(count("future_timestamps", n_human), len(cand))
    future = np.sort(rng.choice(cand, n_future, replace=False))
    days = rng.integers(int(np.datetime64("2031-01-01", "D").astype(np.int64)),
                        int(np.datetime64("2035-12-31", "D").astype(np.int64)) + 1, len(future))
    s.t[future] = days * DAY + time_of_day(rng, len(future), ONLINE_HOURS)

    # One event inside each of some random sessions (not the first, not the last event).
    size = np.bincount(s.sess, minlength=len(s.kind))
    head = np.cumsum(size) - size
    ok = (s.kind != BOT) & (size >= 3)
    ok[s.sess[future]] = False
    sessions = rng.permutation(np.flatnonzero(ok))
    pick = head[sessions] + 1 + (rng.random(len(sessions)) * (size[sessions] - 2)).astype(np.int64)
    pick = pick[plain[pick]]
    ooo = np.sort(pick[:count("out_of_order_timestamps", n_human)])
    s.t[ooo] = s.t[ooo - 1] - rng.integers(601, 4 * 3600, len(ooo))
    if created is not None:  # activity starts an hour after sign-up: still out of order
        cust = s.cust[s.sess[ooo]]
        s.t[ooo] = np.where(cust >= 0, np.maximum(s.t[ooo], created[np.maximum(cust, 0)]), s.t[ooo])
    return future, ooo

"""Events as integer codes (a :class:`Stream`) and their conversion to the events table.

Simulation works on codes; strings are made once, in the final row order, by
:func:`stream_frame` (each text column is a vocabulary plus one code per event).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kenal.sample._util import (TEXT, format_ts, frame, hex_ids, ids, join, num_str,
                                ragged_index, take)
from kenal.sample.catalog import Catalog
from kenal.sample.population import Population
from kenal.sample.segments import CATEGORIES
from kenal.sample.transactions import CURRENCY_CODES
from kenal.schema import TABLES

_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
_SAFARI = "AppleWebKit/605.1.15 (KHTML, like Gecko)"
WEB_AGENTS = (
    f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_WEBKIT} Chrome/124.0.0.0 Safari/537.36",
    f"Mozilla/5.0 (Linux; Android 13; SM-A546E) {_WEBKIT} Chrome/124.0.6367.82"
    " Mobile Safari/537.36",
    f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) {_SAFARI} Version/17.4 Mobile/15E148"
    " Safari/604.1",
    f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {_SAFARI} Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    f"Mozilla/5.0 (Linux; Android 12; Redmi Note 11) {_WEBKIT} Chrome/123.0.6312.118"
    " Mobile Safari/537.36",
    f"Mozilla/5.0 (Linux; Android 14; CPH2591) {_WEBKIT} Chrome/124.0.6367.113"
    " Mobile Safari/537.36",
)
APP_AGENTS = (  # the retailer's own app
    "NusaMart/5.12.0 (Linux; Android 14; SM-S911B)",
    "NusaMart/5.12.0 (Linux; Android 13; Redmi Note 12)",
    "NusaMart/5.11.3 (Linux; Android 12; vivo 1906)",
    "NusaMart/5.12.0 (iPhone; iOS 17.4.1; iPhone14,5) CFNetwork/1494.0.7 Darwin/23.4.0",
    "NusaMart/5.11.3 (iPhone; iOS 16.7.7; iPhone12,1) CFNetwork/1410.1 Darwin/22.6.0",
)
BOT_AGENTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "python-requests/2.31.0",
    "curl/8.4.0",
    f"Mozilla/5.0 (X11; Linux x86_64) {_WEBKIT} HeadlessChrome/120.0.6099.109 Safari/537.36",
    "Scrapy/2.11.0 (+https://scrapy.org)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Go-http-client/1.1",
)
AGENTS = WEB_AGENTS + APP_AGENTS + BOT_AGENTS
HUMAN_AGENTS = len(WEB_AGENTS) + len(APP_AGENTS)  # AGENTS[HUMAN_AGENTS:] are bots
PROMO_PAGES = ("/promo", "/promo/flash-sale", "/promo/gajian", "/promo/harbolnas", "/promo/ramadan")
FIXED_PAGES = (("/", "/cart", "/pricing") + PROMO_PAGES
               + tuple(f"/category/{c}" for c in CATEGORIES))
HOME, CART_PAGE, PRICING_PAGE, PROMO_PAGE = 0, 1, 2, 3  # page codes (first of the promo pages)
CATEGORY_PAGE = PROMO_PAGE + len(PROMO_PAGES)  # page code of the first category page
PRODUCT_PAGE = len(FIXED_PAGES)                # page code of product index 0
TRACK = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed")

# What an event is; a session's events come in this order (identify is inserted separately).
(LANDING, PROMO, PRICING, VIEW_PAGE, VIEW_TRACK, ADD, CART, CHECKOUT, ORDER, IDENTIFY,
 BOT_PAGE) = range(11)
_TYPE = np.array([0, 0, 0, 0, 1, 1, 0, 1, 1, 2, 0])   # page / track / identify, per block
_EVENT = np.array([4, 4, 4, 4, 0, 1, 4, 2, 3, 4, 4])  # index into TRACK (4: none), per block
PURCHASE, BROWSE, VISITOR, BOT = range(4)             # kinds of session


@dataclass
class Stream:
    """Events as integer codes. Per event: sess .. qty; per session: kind .. cur."""

    sess: np.ndarray   # session index
    pos: np.ndarray    # position within the session (message order)
    t: np.ndarray      # time
    block: np.ndarray  # what the event is (LANDING ...)
    prod: np.ndarray   # product index or -1
    path: np.ndarray   # page code (FIXED_PAGES, then products) or -1
    qty: np.ndarray    # quantity of Product Added
    kind: np.ndarray   # PURCHASE / BROWSE / VISITOR / BOT
    cust: np.ndarray   # customer index or -1
    anon: np.ndarray   # session carries only an anonymous id
    ua: np.ndarray     # index into AGENTS
    txn: np.ndarray    # ledger row of the purchase or -1
    value: np.ndarray  # checkout value
    cur: np.ndarray    # currency code of value

    def reorder(self, events: np.ndarray, sessions: np.ndarray) -> None:
        """Rearrange events by `events` (old row per new row) and sessions by `sessions`."""
        for f in ("sess", "pos", "t", "block", "prod", "path", "qty"):
            setattr(self, f, getattr(self, f)[events])
        for f in ("kind", "cust", "anon", "ua", "txn", "value", "cur"):
            setattr(self, f, getattr(self, f)[sessions])
        rank = np.empty(len(sessions), np.int64)
        rank[sessions] = np.arange(len(sessions))
        self.sess = rank[self.sess]


def concat(a: Stream, b: Stream) -> Stream:
    """Append stream b (sessions renumbered after a's)."""
    out = {}
    for f in fields(Stream):
        x, y = getattr(a, f.name), getattr(b, f.name)
        out[f.name] = np.concatenate([x, y + len(a.kind) if f.name == "sess" else y])
    return Stream(**out)


def order_sessions(stream: Stream) -> None:
    """Put sessions in order of their start (session ids follow it), events in message order."""
    head = np.flatnonzero(stream.pos == 0)
    starts = stream.t[head]
    sess_order = stream.sess[head][np.lexsort((stream.sess[head], starts))]
    counts = np.bincount(stream.sess, minlength=len(stream.kind))
    first = np.cumsum(counts) - counts
    g, k = ragged_index(counts[sess_order])
    stream.reorder(first[sess_order][g] + k, sess_order)


def stream_frame(rng: np.random.Generator, s: Stream, pop: Population, catalog: Catalog,
                 naive_share: float = .05, first_session: int = 0,
                 first_txn: int = 0) -> pd.DataFrame:
    """The events table; ~5% of timestamps are written without offset (Jakarta local time).

    Session ids are numbered from ``first_session + 1``; ledger row i is order
    ``T<first_txn + i + 1>`` (the numbering of :func:`ledger_frames`).
    """
    n_cust, S, m = len(pop), len(s.kind), len(s.t)
    c = np.maximum(s.cust, 0)
    logged = (s.cust >= 0) & ~s.anon
    # A logged-in session carries its device's anonymous id, an anonymous session its own.
    anon_ids = pa.concat_arrays([hex_ids(rng, n_cust), hex_ids(rng, S)])
    anon_code = np.where(logged, c, n_cust + np.arange(S))[s.sess]
    cid_code = np.where(logged[s.sess] | (s.block == IDENTIFY), c[s.sess], -1)
    pages = pa.concat_arrays([pa.array(FIXED_PAGES, TEXT), join("/product/", catalog.pid)])
    event = _EVENT[s.block]
    out = frame({
        "message_id": hex_ids(rng, m),
        "type": take(("page", "track", "identify"), _TYPE[s.block]),
        "timestamp": format_ts(s.t, rng.random(m) < naive_share),
        "customer_id": take(pop.customer_id, cid_code),
        "anonymous_id": take(anon_ids, anon_code),
        "event": take(TRACK, np.where(event == len(TRACK), -1, event)),
        "session_id": take(ids("S", np.arange(first_session + 1, first_session + S + 1), 9),
                           s.sess),
        "user_agent": take(AGENTS, s.ua[s.sess]),
        "page_path": take(pages, s.path),
        "product_id": take(catalog.pid, s.prod),
        "properties": _properties(s, catalog, first_txn),
    })
    assert list(out.columns) == TABLES["events"].column_names
    return out


def _properties(s: Stream, catalog: Catalog, first_txn: int) -> pa.Array:
    """JSON properties of track events (null otherwise), from one vocabulary of all texts.

    Vocabulary: product JSON (viewed), product x quantity JSON (added), then one checkout and
    one order JSON per session.
    """
    n_prod, S = len(catalog.price), len(s.kind)
    head = join('{"product_id": "', catalog.pid, '", "category": "',
                take(CATEGORIES, catalog.category), '", "price": ', num_str(catalog.price))
    qty = pa.array([f', "quantity": {q}}}' for q in range(100)], TEXT)
    added = join(take(head, np.repeat(np.arange(n_prod), 100)),
                 take(qty, np.tile(np.arange(100), n_prod)))
    money = pc.if_else(pa.array(s.cur == 0), num_str(s.value), num_str(s.value, 2))
    cur = take(CURRENCY_CODES, s.cur)
    checkout = join('{"value": ', money, ', "currency": "', cur, '"}')
    order_id = ids("T", first_txn + np.maximum(s.txn, 0) + 1, 8)
    order = join('{"order_id": "', order_id, '", "revenue": ', money, ', "currency": "', cur, '"}')
    code = np.full(len(s.t), -1, np.int64)
    at = s.block == VIEW_TRACK
    code[at] = s.prod[at]
    at = s.block == ADD
    code[at] = n_prod + s.prod[at] * 100 + np.minimum(s.qty[at], 99)
    at = s.block == CHECKOUT
    code[at] = 101 * n_prod + s.sess[at]
    at = s.block == ORDER
    code[at] = 101 * n_prod + S + s.sess[at]
    return take(pa.concat_arrays([join(head, "}"), added, checkout, order]), code)

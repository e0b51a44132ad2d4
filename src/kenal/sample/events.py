"""Web and app events in the Segment spec shape, built session by session without Python loops.

Three kinds of human sessions: one per online purchase (ending in "Order Completed" at the
purchase's timestamp), browsing sessions (views, promo pages, abandoned carts) and anonymous
visitors who never become customers.  About 15% of customer sessions start anonymous: all their
events carry only a fresh anonymous_id, and one "identify" event links it to the customer.

Events are first built as integer codes (a :class:`Stream`); strings are made once, in the
final row order, by :func:`stream_frame`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kenal.sample._util import (DAY, ONLINE_HOURS, TEXT, Clock, format_ts, frame, hex_ids, ids, join,
                                num_str, poisson_times, ragged_index, sample_rows, season, take,
                                time_of_day)
from kenal.sample.catalog import Catalog
from kenal.sample.customers import Population
from kenal.sample.segments import CATEGORIES
from kenal.sample.transactions import CURRENCY_CODES, Ledger
from kenal.schema import TABLES

WEB_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.6312.118 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; CPH2591) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.113 Mobile Safari/537.36",
)
APP_AGENTS = (
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
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36",
    "Scrapy/2.11.0 (+https://scrapy.org)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Go-http-client/1.1",
)
AGENTS = WEB_AGENTS + APP_AGENTS + BOT_AGENTS
PROMO_PAGES = ("/promo", "/promo/flash-sale", "/promo/gajian", "/promo/harbolnas", "/promo/ramadan")
FIXED_PAGES = ("/", "/cart", "/pricing") + PROMO_PAGES + tuple(f"/category/{c}" for c in CATEGORIES)
CATEGORY_PAGE = 3 + len(PROMO_PAGES)  # page code of the first category page
PRODUCT_PAGE = len(FIXED_PAGES)       # page code of product index 0
TRACK = ("Product Viewed", "Product Added", "Checkout Started", "Order Completed")

# Blocks of a session, in order; identify is inserted separately, bot hits are plain pages.
LANDING, PROMO, PRICING, VIEW_PAGE, VIEW_TRACK, ADD, CART, CHECKOUT, ORDER, IDENTIFY, BOT_PAGE = range(11)
_TYPE = np.array([0, 0, 0, 0, 1, 1, 0, 1, 1, 2, 0])        # page / track / identify
_EVENT = np.array([4, 4, 4, 4, 0, 1, 4, 2, 3, 4, 4])       # index into TRACK, 4 = none
PURCHASE, BROWSE, VISITOR, BOT = range(4)
MAX_SESSION = 3000  # seconds; keeps a purchase session after sign-up (activity starts 1 h later)


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

    _EVENT_FIELDS = ("sess", "pos", "t", "block", "prod", "path", "qty")

    def take_events(self, order: np.ndarray) -> None:
        for f in self._EVENT_FIELDS:
            setattr(self, f, getattr(self, f)[order])

    def __len__(self) -> int:
        return len(self.t)


def concat(a: Stream, b: Stream) -> Stream:
    """Append stream b (sessions renumbered after a's)."""
    out = {}
    for f in fields(Stream):
        x, y = getattr(a, f.name), getattr(b, f.name)
        out[f.name] = np.concatenate([x, y + len(a.kind) if f.name == "sess" else y])
    return Stream(**out)


def make_stream(rng: np.random.Generator, pop: Population, ledger: Ledger, catalog: Catalog,
                clock: Clock) -> Stream:
    """Human sessions and their events."""
    n_cust = len(pop)
    buy = np.flatnonzero((ledger.kind == 0) & (ledger.channel == 0))
    item_start = ledger.item_start()
    b_owner, b_t = poisson_times(rng, pop.browse, pop.active, np.minimum(pop.drop, clock.cutoff),
                                 accept=season(clock), drop=pop.drop, clock=clock)
    n_vis = int(.06 * (len(buy) + len(b_owner)))
    kind = np.concatenate([np.full(len(buy), PURCHASE), np.full(len(b_owner), BROWSE),
                           np.full(n_vis, VISITOR)]).astype(np.int8)
    cust = np.concatenate([ledger.cust[buy], b_owner, np.full(n_vis, -1)])
    txn = np.concatenate([buy, np.full(len(b_owner) + n_vis, -1)])
    S = len(kind)
    p, b, v = kind == PURCHASE, kind == BROWSE, kind == VISITOR
    c = np.maximum(cust, 0)

    # --- what happens in each session
    n_promo = rng.poisson(np.where(v, .15, pop.promo[c]))
    n_pricing = (rng.random(S) < .04).astype(np.int64)
    abandon = b & (rng.random(S) < pop.abandon[c])
    # Repeat buyers mostly re-order from history ("buy again"): few views before the purchase,
    # and one "Product Added" for the line that completes the cart.
    n_view = np.select([p, b, v], [rng.poisson(.25 * pop.views[c]), rng.poisson(pop.views[c]),
                                   1 + rng.poisson(.8, S)])
    n_view = np.where(abandon, np.maximum(n_view, 1), n_view)
    n_add = (p | abandon).astype(np.int64)
    cart = abandon.astype(np.int64)  # an abandoned cart is seen on /cart
    checkout = (p | (abandon & (rng.random(S) < .35))).astype(np.int64)
    order = p.astype(np.int64)
    anon = ~v & (rng.random(S) < .15)
    pre = 1 + n_promo + n_pricing + 2 * n_view  # events before the cart part
    # Identify comes after the landing page, before the cart, never inside a page + view pair.
    ident_at = 1 + (rng.random(S) * pre).astype(np.int64)
    views_from = 1 + n_promo + n_pricing
    ident_at += (ident_at >= views_from) & (ident_at < pre) & ((ident_at - views_from) % 2 == 1)
    total = pre + n_add + cart + checkout + order + anon

    # --- events: position -> block
    sess, pos = ragged_index(total)
    has_id = anon[sess]
    at = ident_at[sess]
    base = np.where(has_id & (pos > at), pos - 1, pos)
    e1 = 1 + n_promo[sess]
    e2 = e1 + n_pricing[sess]
    e3 = e2 + 2 * n_view[sess]
    e4 = e3 + n_add[sess]
    e5 = e4 + cart[sess]
    e6 = e5 + checkout[sess]
    block = np.select([base == 0, base < e1, base < e2, base < e3, base < e4, base < e5, base < e6],
                      [LANDING, PROMO, PRICING, VIEW_PAGE, ADD, CART, CHECKOUT], ORDER).astype(np.int8)
    j = np.where(block == VIEW_PAGE, (base - e2) // 2, base - e3)  # ordinal of the view / add
    block[(block == VIEW_PAGE) & ((base - e2) % 2 == 1)] = VIEW_TRACK
    block[has_id & (pos == at)] = IDENTIFY
    m = len(sess)

    # --- products: a purchase's own lines first, otherwise from the customer's taste
    first = _products(rng, pop, catalog, cust, v)
    is_view = (block == VIEW_PAGE) | (block == VIEW_TRACK)
    is_add = block == ADD
    prod = np.full(m, -1, np.int64)
    prod[is_view | is_add] = first[sess[is_view | is_add]]
    later = is_view & (j > 0)
    # The page and its "Product Viewed" share a product: draw per view page, copy to the track.
    vp = later & (block == VIEW_PAGE)
    prod[vp] = _products(rng, pop, catalog, cust[sess[vp]], v[sess[vp]])
    prod[later & (block == VIEW_TRACK)] = prod[np.flatnonzero(later & (block == VIEW_TRACK)) - 1]
    line = (is_view | is_add) & p[sess] & (j < n_add[sess])
    row = item_start[np.maximum(txn, 0)][sess] + j
    prod[line] = ledger.item_product[row[line]]
    qty = np.ones(m, np.int64)
    qty[line & is_add] = ledger.item_qty[row[line & is_add]]

    # --- timing: gaps by block, cumulated within each session
    gap = np.select(
        [block == LANDING, block == VIEW_TRACK, block == IDENTIFY, block == CART, block == ORDER],
        [np.zeros(m), rng.integers(0, 3, m), rng.integers(2, 20, m), rng.integers(2, 10, m),
         rng.integers(40, 300, m)],
        np.minimum(rng.exponential(30, m) + 2, 300)).astype(np.int64)
    head = np.cumsum(total) - total
    csum = np.cumsum(gap)
    rel = csum - (csum - gap)[head][sess]
    dur = rel[head + total - 1]
    rel = np.where(dur[sess] > MAX_SESSION, rel * MAX_SESSION // np.maximum(dur[sess], 1), rel)
    dur = np.minimum(dur, MAX_SESSION)

    start = np.empty(S, np.int64)
    start[p] = ledger.ts[txn[p]] - dur[p]  # "Order Completed" lands on the purchase's timestamp
    tod = time_of_day(rng, S, ONLINE_HOURS)
    start[b] = np.maximum(b_t // DAY * DAY + tod[b], pop.active[b_owner])
    vday = rng.integers(clock.start // DAY, clock.cutoff // DAY + 1, n_vis)
    start[v] = vday * DAY + tod[v]
    start = np.minimum(start, clock.cutoff - dur)

    path = np.full(m, -1, np.int64)
    land = block == LANDING
    path[land] = np.where(rng.random(land.sum()) < .55, 0,
                          CATEGORY_PAGE + catalog.category[first[sess[land]]])
    promo = block == PROMO
    path[promo] = 3 + rng.choice(len(PROMO_PAGES), promo.sum(), p=[.4, .15, .15, .15, .15])
    path[block == PRICING] = 2
    path[block == CART] = 1
    vp = block == VIEW_PAGE
    path[vp] = PRODUCT_PAGE + prod[vp]

    primary = np.where(pop.app, len(WEB_AGENTS) + rng.integers(0, len(APP_AGENTS), n_cust),
                       rng.integers(0, len(WEB_AGENTS), n_cust))
    human = len(WEB_AGENTS) + len(APP_AGENTS)
    ua = np.where((cust >= 0) & (rng.random(S) < .8), primary[c], rng.integers(0, human, S))
    ua = np.where(v, rng.integers(0, len(WEB_AGENTS), S), ua)
    # Checkout and order carry the purchase's value; an abandoned checkout the viewed product's.
    value = np.where(p, ledger.amount[np.maximum(txn, 0)], catalog.price[first])
    cur = np.where(p, ledger.currency[np.maximum(txn, 0)], 0)
    return Stream(sess=sess, pos=pos, t=start[sess] + rel, block=block, prod=prod, path=path,
                  qty=qty, kind=kind, cust=cust, anon=anon | v, ua=ua, txn=txn, value=value,
                  cur=cur)


def _products(rng, pop: Population, catalog: Catalog, cust: np.ndarray,
              visitor: np.ndarray) -> np.ndarray:
    """Products a customer might look at: their category mix, around their price tier."""
    c = np.maximum(cust, 0)
    cat = np.where(visitor, rng.integers(0, len(CATEGORIES), len(c)), sample_rows(rng, pop.cat_prob, c))
    tier = np.where(cat == CATEGORIES.index("electronics"), pop.gadget[c], pop.tier[c])
    q = np.where(visitor, rng.random(len(c)), tier + rng.normal(0, .15, len(c)))
    return catalog.product(cat, q)


def order_sessions(stream: Stream) -> None:
    """Put sessions in order of their start (session ids follow it), events in message order."""
    head = np.flatnonzero(stream.pos == 0)
    starts = stream.t[head]
    sess_order = stream.sess[head][np.lexsort((stream.sess[head], starts))]
    counts = np.bincount(stream.sess, minlength=len(stream.kind))
    first = np.cumsum(counts) - counts
    g, k = ragged_index(counts[sess_order])
    stream.take_events(first[sess_order][g] + k)
    rank = np.empty(len(stream.kind), np.int64)
    rank[sess_order] = np.arange(len(sess_order))
    stream.sess = rank[stream.sess]
    for f in ("kind", "cust", "anon", "ua", "txn", "value", "cur"):
        setattr(stream, f, getattr(stream, f)[sess_order])


def stream_frame(rng: np.random.Generator, s: Stream, pop: Population, catalog: Catalog,
                 naive_share: float = .05) -> pd.DataFrame:
    """The events table; ~5% of timestamps are written without offset (Jakarta local time).

    Every text column is a vocabulary (Arrow array) plus one code per event (-1 = null).
    """
    n_cust, S, m = len(pop), len(s.kind), len(s.t)
    c = np.maximum(s.cust, 0)
    logged = (s.cust >= 0) & ~s.anon
    # A logged-in session carries the device's anonymous id, an anonymous one its own.
    anon_vocab = pa.concat_arrays([hex_ids(rng, n_cust), hex_ids(rng, S)])
    anon_code = np.where(logged, c, n_cust + np.arange(S))[s.sess]
    cid_code = np.where(logged[s.sess] | (s.block == IDENTIFY), c[s.sess], -1)
    pages = pa.concat_arrays([pa.array(FIXED_PAGES, TEXT), join("/product/", catalog.pid)])

    n_prod = len(catalog.price)
    head = _product_json(catalog)
    tails = pa.array([f', "quantity": {q}}}' for q in range(100)], TEXT)
    added = join(take(head, np.repeat(np.arange(n_prod), 100)), take(tails, np.tile(np.arange(100), n_prod)))
    money = pc.if_else(pa.array(s.cur == 0), num_str(s.value), num_str(s.value, 2))
    cur = take(CURRENCY_CODES, s.cur)
    checkout = join('{"value": ', money, ', "currency": "', cur, '"}')
    order = join('{"order_id": "', ids("T", np.maximum(s.txn, 0) + 1, 8), '", "revenue": ', money,
                 ', "currency": "', cur, '"}')
    props = pa.concat_arrays([join(head, "}"), added, checkout, order])
    code = np.full(m, -1, np.int64)
    for block, offset in ((VIEW_TRACK, 0), (ADD, n_prod), (CHECKOUT, 101 * n_prod),
                          (ORDER, 101 * n_prod + S)):
        at = s.block == block
        if block == VIEW_TRACK:
            code[at] = s.prod[at]
        elif block == ADD:
            code[at] = offset + s.prod[at] * 100 + np.minimum(s.qty[at], 99)
        else:
            code[at] = offset + s.sess[at]

    event = _EVENT[s.block]
    out = frame({
        "message_id": hex_ids(rng, m),
        "type": take(("page", "track", "identify"), _TYPE[s.block]),
        "timestamp": format_ts(s.t, rng.random(m) < naive_share),
        "customer_id": take(pop.customer_id, cid_code),
        "anonymous_id": take(anon_vocab, anon_code),
        "event": take(TRACK, np.where(event == len(TRACK), -1, event)),
        "session_id": take(ids("S", np.arange(1, S + 1), 9), s.sess),
        "user_agent": take(AGENTS, s.ua[s.sess]),
        "page_path": take(pages, s.path),
        "product_id": take(catalog.pid, s.prod),
        "properties": take(props, code),
    })
    assert list(out.columns) == TABLES["events"].column_names
    return out


def _product_json(catalog: Catalog) -> pa.Array:
    """The opening of each product's properties JSON (without the closing brace)."""
    return join('{"product_id": "', catalog.pid, '", "category": "', take(CATEGORIES, catalog.category),
                '", "price": ', num_str(catalog.price))

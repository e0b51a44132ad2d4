"""Customers' web and app sessions in the Segment spec shape, simulated without Python loops.

Three kinds of human sessions: one per online purchase (ending in "Order Completed" at the
purchase's timestamp), browsing sessions (views, promo pages, abandoned carts) and anonymous
visitors who never become customers.  About 15% of customer sessions start anonymous: all their
events carry only a fresh anonymous_id, and one "identify" event links it to the customer.
"""

from __future__ import annotations

import numpy as np

from kenal.sample._util import (DAY, ONLINE_HOURS, Clock, after, poisson_times, ragged_index,
                                sample_rows, season, time_of_day)
from kenal.sample.catalog import Catalog
from kenal.sample.population import Population
from kenal.sample.segments import CATEGORIES
from kenal.sample.stream import (ADD, APP_AGENTS, BROWSE, CART, CART_PAGE, CATEGORY_PAGE,
                                 CHECKOUT, HOME, HUMAN_AGENTS, IDENTIFY, LANDING, ORDER, PRICING,
                                 PRICING_PAGE, PRODUCT_PAGE, PROMO, PROMO_PAGE, PROMO_PAGES,
                                 PURCHASE, VIEW_PAGE, VIEW_TRACK, VISITOR, WEB_AGENTS, Stream)
from kenal.sample.transactions import Ledger

MAX_SESSION = 3000  # seconds; keeps a purchase session after sign-up (activity starts 1 h later)


def make_stream(rng: np.random.Generator, pop: Population, ledger: Ledger, catalog: Catalog,
                clock: Clock) -> Stream:
    """Human sessions and their events, sessions in no particular order."""
    buy = np.flatnonzero((ledger.kind == 0) & (ledger.channel == 0))
    b_owner, b_t = poisson_times(rng, pop.browse, pop.active, np.minimum(pop.drop, clock.cutoff),
                                 accept=season(clock), drop=pop.drop, clock=clock,
                                 change=pop.change("browse"))
    n_vis = int(.06 * (len(buy) + len(b_owner)))
    kind = np.concatenate([np.full(len(buy), PURCHASE), np.full(len(b_owner), BROWSE),
                           np.full(n_vis, VISITOR)]).astype(np.int8)
    cust = np.concatenate([ledger.cust[buy], b_owner, np.full(n_vis, -1)])
    txn = np.concatenate([buy, np.full(len(b_owner) + n_vis, -1)])
    S = len(kind)
    p, b, v = kind == PURCHASE, kind == BROWSE, kind == VISITOR
    c = np.maximum(cust, 0)
    # Each session's row in the behaviour arrays: a planted mover's sessions after its shift follow
    # its new profile (visitors read customer 0's and never use them).
    row = pop.phase(c, np.concatenate([ledger.ts[buy], b_t, np.zeros(n_vis, np.int64)]))
    profile = pop.behaviour

    # What happens in each session.  Repeat buyers mostly re-order from their history ("buy
    # again"): few views before a purchase, one "Product Added" for the line completing the cart.
    n = {"promo": rng.poisson(np.where(v, .15, profile("promo")[row])),
         "pricing": (rng.random(S) < .04).astype(np.int64)}
    abandon = b & (rng.random(S) < profile("abandon")[row])
    views = np.select([p, b, v], [rng.poisson(.25 * profile("views")[row]),
                                  rng.poisson(profile("views")[row]),
                                  1 + rng.poisson(.8, S)])
    n["view"] = np.where(abandon, np.maximum(views, 1), views)
    n["add"] = (p | abandon).astype(np.int64)
    n["cart"] = abandon.astype(np.int64)  # an abandoned cart is seen on /cart
    n["checkout"] = (p | (abandon & (rng.random(S) < .35))).astype(np.int64)
    n["order"] = p.astype(np.int64)
    anon = ~v & (rng.random(S) < .15)
    sess, pos, block, j = _layout(rng, n, anon)

    # Products: a purchase's own lines first, otherwise drawn from the customer's taste.
    first = _products(rng, pop, catalog, row, v)
    is_view = (block == VIEW_PAGE) | (block == VIEW_TRACK)
    is_add = block == ADD
    prod = np.full(len(sess), -1, np.int64)
    prod[is_view | is_add] = first[sess[is_view | is_add]]  # an abandoned cart holds the 1st view
    later_page = is_view & (j > 0) & (block == VIEW_PAGE)
    prod[later_page] = _products(rng, pop, catalog, row[sess[later_page]], v[sess[later_page]])
    later_track = is_view & (j > 0) & (block == VIEW_TRACK)
    prod[later_track] = prod[np.flatnonzero(later_track) - 1]  # the track follows its page
    line = (is_view | is_add) & p[sess] & (j < n["add"][sess])
    row = ledger.item_start()[np.maximum(txn, 0)][sess] + j
    prod[line] = ledger.item_product[row[line]]
    qty = np.ones(len(sess), np.int64)
    qty[line & is_add] = ledger.item_qty[row[line & is_add]]

    rel, dur = _timing(rng, sess, block)
    start = np.empty(S, np.int64)
    start[p] = ledger.ts[txn[p]] - dur[p]  # "Order Completed" lands on the purchase's timestamp
    tod = time_of_day(rng, S, ONLINE_HOURS)
    start[b] = after(rng, b_t // DAY * DAY + tod[b], pop.active[b_owner])
    start[v] = rng.integers(clock.start // DAY, clock.cutoff // DAY + 1, n_vis) * DAY + tod[v]
    start = np.minimum(start, clock.cutoff - dur)

    path = np.full(len(sess), -1, np.int64)
    land = block == LANDING
    path[land] = np.where(rng.random(land.sum()) < .55, HOME,
                          CATEGORY_PAGE + catalog.category[first[sess[land]]])
    promo = block == PROMO
    path[promo] = PROMO_PAGE + rng.choice(len(PROMO_PAGES), promo.sum(), p=[.4, .15, .15, .15, .15])
    path[block == PRICING] = PRICING_PAGE
    path[block == CART] = CART_PAGE
    path[block == VIEW_PAGE] = PRODUCT_PAGE + prod[block == VIEW_PAGE]

    # Customers mostly use their own device (app or browser); visitors come by browser.
    n_cust = len(pop)
    own = np.where(pop.app, len(WEB_AGENTS) + rng.integers(0, len(APP_AGENTS), n_cust),
                   rng.integers(0, len(WEB_AGENTS), n_cust))
    ua = np.where((cust >= 0) & (rng.random(S) < .8), own[c], rng.integers(0, HUMAN_AGENTS, S))
    ua = np.where(v, rng.integers(0, len(WEB_AGENTS), S), ua)
    # Checkout and order carry the purchase's value; an abandoned checkout the viewed product's.
    value = np.where(p, ledger.amount[np.maximum(txn, 0)], catalog.price[first])
    cur = np.where(p, ledger.currency[np.maximum(txn, 0)], 0)
    return Stream(sess=sess, pos=pos, t=start[sess] + rel, block=block, prod=prod, path=path,
                  qty=qty, kind=kind, cust=cust, anon=anon | v, ua=ua, txn=txn, value=value,
                  cur=cur)


def _layout(rng: np.random.Generator, n: dict[str, np.ndarray], anon: np.ndarray):
    """Events of each session in block order; returns (session, position, block, ordinal).

    The ordinal numbers the views (a page and its "Product Viewed" share one) and the adds.
    An anonymous session gets one identify event after the landing page, before the cart, never
    between a product page and its "Product Viewed".
    """
    views_from = 1 + n["promo"] + n["pricing"]
    pre = views_from + 2 * n["view"]  # events before the cart part
    ident_at = 1 + (rng.random(len(anon)) * pre).astype(np.int64)
    ident_at += (ident_at >= views_from) & (ident_at < pre) & ((ident_at - views_from) % 2 == 1)
    total = pre + n["add"] + n["cart"] + n["checkout"] + n["order"] + anon
    sess, pos = ragged_index(total)
    has_id, at = anon[sess], ident_at[sess]
    base = np.where(has_id & (pos > at), pos - 1, pos)  # position without the identify event
    ends = np.cumsum([np.ones_like(total), n["promo"], n["pricing"], 2 * n["view"], n["add"],
                      n["cart"], n["checkout"]], axis=0)  # per session: where each block ends
    block = np.select([base < e[sess] for e in ends],
                      [LANDING, PROMO, PRICING, VIEW_PAGE, ADD, CART, CHECKOUT], ORDER)
    block = block.astype(np.int8)
    views_at, adds_at = views_from[sess], pre[sess]
    j = np.where(block == VIEW_PAGE, (base - views_at) // 2, base - adds_at)
    block[(block == VIEW_PAGE) & ((base - views_at) % 2 == 1)] = VIEW_TRACK
    block[has_id & (pos == at)] = IDENTIFY
    return sess, pos, block, j


def _timing(rng: np.random.Generator, sess: np.ndarray, block: np.ndarray):
    """Seconds from session start of each event, and each session's duration."""
    m = len(sess)
    gap = np.select(
        [block == LANDING, block == VIEW_TRACK, block == IDENTIFY, block == CART, block == ORDER],
        [np.zeros(m), rng.integers(0, 3, m), rng.integers(2, 20, m), rng.integers(2, 10, m),
         rng.integers(40, 300, m)],  # paying takes a while
        np.minimum(rng.exponential(30, m) + 2, 300)).astype(np.int64)
    total = np.bincount(sess)
    head = np.cumsum(total) - total
    csum = np.cumsum(gap)
    rel = csum - (csum - gap)[head][sess]
    dur = rel[head + total - 1]
    rel = np.where(dur[sess] > MAX_SESSION, rel * MAX_SESSION // np.maximum(dur[sess], 1), rel)
    return rel, np.minimum(dur, MAX_SESSION)


def _products(rng, pop: Population, catalog: Catalog, row: np.ndarray,
              visitor: np.ndarray) -> np.ndarray:
    """Products a customer might look at: their category mix, around their price tier (`row`:
    each one's row in the behaviour arrays, :meth:`Population.phase`)."""
    c, profile = row, pop.behaviour
    cat = np.where(visitor, rng.integers(0, len(CATEGORIES), len(c)),
                   sample_rows(rng, profile("cat_prob"), c))
    tier = np.where(cat == CATEGORIES.index("electronics"), profile("gadget")[c], profile("tier")[c])
    q = np.where(visitor, rng.random(len(c)), tier + rng.normal(0, .15, len(c)))
    return catalog.product(cat, q)

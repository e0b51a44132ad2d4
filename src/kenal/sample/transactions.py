"""Purchases, returns and their items; purchases after the cut-off only count as churn truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kenal.sample._util import (DAY, ONLINE_HOURS, STORE_HOURS, Clock, after, format_ts, frame, ids,
                                poisson_times, ragged_index, sample_rows, season, take,
                                time_of_day)
from kenal.sample.catalog import CURRENCIES, UNKNOWN_CURRENCIES, Catalog
from kenal.sample.population import RESELLER_CARTON, Population
from kenal.sample.segments import CATEGORIES, NAMES

CURRENCY_CODES = CURRENCIES + UNKNOWN_CURRENCIES
ONLINE_PAY = ("gopay", "ovo", "dana", "shopeepay", "virtual_account", "credit_card", "cod",
              "paylater")
ONLINE_PAY_W = (22, 14, 10, 12, 18, 10, 9, 5)
STORE_PAY = ("cash", "debit_card", "qris", "credit_card")
STORE_PAY_W = (35, 30, 25, 10)
PAYMENTS = ONLINE_PAY + STORE_PAY[:3]  # credit_card is shared
REASONS = ("ukuran tidak pas", "barang rusak", "wrong item", "tidak sesuai deskripsi",
           "warna beda dengan foto", "berubah pikiran", "salah kirim", "kualitas jelek",
           "changed my mind", "damaged on arrival", "size too small", "produk cacat",
           "item not as described", "telat datang, sudah beli di tempat lain")
_GROCERIES = CATEGORIES.index("groceries")
_ELECTRONICS = CATEGORIES.index("electronics")


@dataclass
class Ledger:
    """Transactions in time order (row i has id number i + 1) and their item lines."""

    cust: np.ndarray
    ts: np.ndarray
    kind: np.ndarray       # 0 purchase, 1 return
    channel: np.ndarray    # 0 online, 1 store
    currency: np.ndarray   # index into CURRENCY_CODES
    amount: np.ndarray
    pay: np.ndarray        # index into PAYMENTS
    reason: np.ndarray     # index into REASONS, -1 for purchases
    item_txn: np.ndarray   # row of the transaction each item line belongs to (sorted)
    item_product: np.ndarray
    item_qty: np.ndarray
    item_unit: np.ndarray
    next90: np.ndarray     # purchases per customer in the 90 days after the cut-off

    def item_start(self) -> np.ndarray:
        """Index of the first item line of each transaction."""
        return np.searchsorted(self.item_txn, np.arange(len(self.ts)))


def make_ledger(rng: np.random.Generator, pop: Population, catalog: Catalog, clock: Clock,
                fx: np.ndarray) -> Ledger:
    """Purchases up to the cut-off with their baskets, and returns of some of them."""
    owner, t, next90 = _purchase_times(rng, pop, clock)
    m = len(owner)
    row = pop.phase(owner, t)  # a planted mover's purchases after its shift follow its new profile
    store = rng.random(m) >= pop.behaviour("online")[row]
    tod = np.where(store, time_of_day(rng, m, STORE_HOURS), time_of_day(rng, m, ONLINE_HOURS))
    t = np.minimum(after(rng, t // DAY * DAY + tod, pop.active[owner]), clock.cutoff)
    currency = np.where(store, 0, pop.currency[owner])  # foreign cards pay online only
    online_pay = rng.choice(len(ONLINE_PAY), m, p=_norm(ONLINE_PAY_W))
    store_pay = np.array([PAYMENTS.index(p) for p in STORE_PAY])[
        rng.choice(len(STORE_PAY), m, p=_norm(STORE_PAY_W))]
    pay = np.where(store, store_pay,
                   np.where(currency > 0, PAYMENTS.index("credit_card"), online_pay))
    discount = np.where(rng.random(m) < pop.behaviour("discount")[row],
                        rng.integers(2, 11, m) * .05, 0.0)

    line_txn, product, qty = _baskets(rng, pop, catalog, row)
    unit = catalog.price[product] * (1 - discount[line_txn])
    unit = np.where(discount[line_txn] > 0, np.maximum(np.round(unit / 100) * 100, 100), unit)
    cur = currency[line_txn]
    rate = fx[cur, (t[line_txn] - clock.start) // DAY]
    unit = np.where(cur > 0, np.maximum(np.round(unit / rate, 2), .01), unit)
    amount = np.round(np.bincount(line_txn, weights=qty * unit, minlength=m), 2)

    # Returns: one line of a purchase comes back 1-21 days later (never after the cut-off).
    ret = np.flatnonzero(rng.random(m) < pop.behaviour("returns")[row])
    rt = t[ret] + (rng.uniform(1, 21, len(ret)) * DAY).astype(np.int64)
    ret, rt = ret[rt <= clock.cutoff], rt[rt <= clock.cutoff]
    k = len(ret)
    line_start = np.searchsorted(line_txn, np.arange(m))
    counts = np.diff(np.append(line_start, len(line_txn)))
    rline = line_start[ret] + (rng.random(k) * counts[ret]).astype(np.int64)
    r_store = store[ret] | (rng.random(k) < .15)

    # Purchases then returns, put in time order; items follow their transaction's new row.
    ts = np.concatenate([t, rt])
    kind = np.concatenate([np.zeros(m, np.int8), np.ones(k, np.int8)])
    order = np.lexsort((kind, ts))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    item_txn = np.concatenate([rank[line_txn], rank[m + np.arange(k)]])
    iorder = np.argsort(item_txn, kind="stable")
    return Ledger(
        cust=np.concatenate([owner, owner[ret]])[order], ts=ts[order], kind=kind[order],
        channel=np.concatenate([store, r_store]).astype(np.int8)[order],
        currency=np.concatenate([currency, currency[ret]])[order],
        amount=np.concatenate([amount, np.round(qty[rline] * unit[rline], 2)])[order],
        pay=np.concatenate([pay, pay[ret]])[order],
        reason=np.concatenate([np.full(m, -1), rng.integers(0, len(REASONS), k)])[order],
        item_txn=item_txn[iorder],
        item_product=np.concatenate([product, product[rline]])[iorder],
        item_qty=np.concatenate([qty, qty[rline]])[iorder],
        item_unit=np.concatenate([unit, unit[rline]])[iorder],
        next90=next90,
    )


def _purchase_times(rng: np.random.Generator, pop: Population, clock: Clock):
    """(customer, time) of each purchase up to the cut-off, and purchases in the next 90 days."""
    n = len(pop)
    owner, t = poisson_times(rng, pop.rate, pop.active, np.minimum(pop.drop, clock.horizon),
                             accept=season(clock), drop=pop.drop, clock=clock,
                             change=pop.change("rate"))
    future = t > clock.cutoff
    next90 = np.bincount(owner[future], minlength=n)
    owner, t = owner[~future], t[~future]
    # Everybody in the customer table has bought at least once before the cut-off.
    none = np.bincount(owner, minlength=n) == 0
    lo, top = pop.active[none], np.minimum(pop.drop[none], clock.cutoff)
    extra = lo + (rng.random(none.sum()) * np.maximum(top - lo, 0)).astype(np.int64)
    owner = np.concatenate([owner, np.flatnonzero(none)])
    t = np.concatenate([t, extra])
    order = np.lexsort((t, owner))
    owner, t = owner[order], t[order]
    # New customers are capped at two orders before the cut-off.
    _, rank = ragged_index(np.bincount(owner, minlength=n))
    keep = ~((pop.seg[owner] == NAMES.index("new_customer")) & (rank >= 2))
    return owner[keep], t[keep], next90


def _baskets(rng: np.random.Generator, pop: Population, catalog: Catalog, row: np.ndarray):
    """Item lines (purchase row, product, quantity), grouped by purchase.

    `row` is each purchase's row in the behaviour arrays (:meth:`Population.phase`).  Categories
    follow the customer's mix; prices sit around the customer's tier within each category
    (electronics around its own tier, so most people buy accessories there).
    """
    b = pop.behaviour
    n_lines = 1 + rng.poisson(np.maximum(b("lines")[row] - 1, 0))
    line_txn, _ = ragged_index(n_lines)
    who = row[line_txn]
    cat = sample_rows(rng, b("cat_prob"), who)
    tier = np.where(cat == _ELECTRONICS, b("gadget")[who], b("tier")[who])
    product = catalog.product(cat, tier + rng.normal(0, .12, len(who)))
    # Resellers buy by the carton, of everyday goods: fewer extra units the dearer the product.
    bulk = b("bulk")[who] * np.minimum(1.0, RESELLER_CARTON / catalog.price[product])
    qty = 1 + rng.poisson(np.where(cat == _GROCERIES, .9, .08) + bulk)
    # A basket lists a product once: merge repeated draws.  Lines are already grouped by
    # purchase, so the stable sort of the key only reorders within a basket and is cheap.
    key = line_txn * len(catalog.price) + product
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.r_[True, key[1:] != key[:-1]]
    qty = np.bincount(np.cumsum(first) - 1, weights=qty[order]).astype(np.int64)
    return line_txn[order][first], product[order][first], qty


def ledger_frames(ledger: Ledger, pop: Population, catalog: Catalog,
                  first_id: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The transactions and transaction_items tables (ids T00000001... in time order).

    Ids are numbered from ``first_id + 1``: row i of the ledger is ``T<first_id + i + 1>``.
    """
    tid = ids("T", np.arange(first_id + 1, first_id + len(ledger.ts) + 1), 8)
    txns = frame({
        "transaction_id": tid,
        "customer_id": take(pop.customer_id, ledger.cust),
        "timestamp": format_ts(ledger.ts),
        "amount": ledger.amount.astype(float),
        "currency": take(CURRENCY_CODES, ledger.currency),
        "kind": take(("purchase", "return"), ledger.kind),
        "channel": take(("online", "store"), ledger.channel),
        "payment_method": take(PAYMENTS, ledger.pay),
        "return_reason": take(REASONS, ledger.reason),
    })
    items = frame({
        "transaction_id": take(tid, ledger.item_txn),
        "product_id": take(catalog.pid, ledger.item_product),
        "quantity": ledger.item_qty.astype(float),
        "unit_price": ledger.item_unit.astype(float),
    })
    return txns, items


def _norm(w) -> np.ndarray:
    w = np.asarray(w, float)
    return w / w.sum()

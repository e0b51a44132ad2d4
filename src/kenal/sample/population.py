"""The planted population: each customer's segment and the hidden parameters of its behaviour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from kenal.sample._util import DAY, HOUR, Clock, ids
from kenal.sample.customers import CITIES, REGIONS
from kenal.sample.segments import CATEGORIES, NAMES, SEGMENTS, Profile

NEVER = np.int64(2**62)  # drop-out time of customers who never stop buying


@dataclass
class Population:
    """Hidden per-customer parameters that drive every behavioural table."""

    seg: np.ndarray        # segment code (index into SEGMENTS)
    created: np.ndarray    # account creation time
    drop: np.ndarray       # time the customer stops (NEVER if not)
    active: np.ndarray     # first time activity can happen (history start or creation + 1 h)
    rate: np.ndarray       # purchases per day
    lines: np.ndarray      # mean products per basket
    tier: np.ndarray       # mean price quantile
    gadget: np.ndarray     # mean price quantile of electronics
    online: np.ndarray     # chance a purchase is online
    cat_prob: np.ndarray   # (n, categories) category mix
    browse: np.ndarray     # browsing sessions per day
    views: np.ndarray      # product views per browsing session
    promo: np.ndarray      # /promo visits per session
    abandon: np.ndarray    # chance a browsing session adds to cart
    returns: np.ndarray    # chance a purchase is returned
    discount: np.ndarray   # chance a purchase is at a promo price
    texts: np.ndarray      # interactions per day
    currency: np.ndarray   # 0 IDR; 1 USD / 2 SGD for customers paying online with a foreign card
    app: np.ndarray        # prefers the mobile app
    city: np.ndarray       # index into CITIES
    region: np.ndarray     # index into REGIONS
    customer_id: pa.Array
    outlier: np.ndarray    # planted reseller (see plant_resellers)
    bulk: np.ndarray       # extra units per item line (resellers buy by the carton)
    shifts: Shifts | None = None  # planted behaviour shifts (kenal.sample.shifts), if any

    def __len__(self) -> int:
        return len(self.seg)

    def phase(self, who: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Row of each (customer, time) in the arrays of :meth:`behaviour`: the customer's own row,
        or, for a planted mover at or after its shift, its row after ``len(self)``."""
        s = self.shifts
        if s is None:
            return who
        j = np.full(len(self), -1)
        j[s.who] = np.arange(len(s.who))
        j = j[who]
        moved = (j >= 0) & (t >= s.at[np.maximum(j, 0)])
        return np.where(moved, len(self) + j, who)

    def behaviour(self, name: str) -> np.ndarray:
        """A BEHAVIOUR array, followed by the movers' values after their shift (see :meth:`phase`)."""
        own = getattr(self, name)
        return own if self.shifts is None else np.concatenate([own, self.shifts.after[name]])

    def change(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(time of the shift, rate after it) per customer for a rate (``rate``, ``browse``): NEVER
        and the own rate for customers who do not move; None without shifts."""
        s = self.shifts
        if s is None:
            return None
        when, after = np.full(len(self), NEVER), getattr(self, name).copy()
        when[s.who], after[s.who] = s.at, s.after[name]
        return when, after


# What a customer's segment profile sets and a behaviour shift changes (the rest is the person's).
BEHAVIOUR = ("rate", "lines", "tier", "gadget", "online", "cat_prob", "browse", "views", "promo",
             "abandon", "returns", "discount", "bulk")


@dataclass
class Shifts:
    """Planted movers: from ``at`` on, customer ``who`` behaves as segment ``to`` (``after``)."""

    who: np.ndarray                 # rows of the movers, sorted
    at: np.ndarray                  # time each mover's new behaviour starts
    to: np.ndarray                  # segment code each moves to
    after: dict[str, np.ndarray]    # BEHAVIOUR arrays of the movers after the shift


# Resellers: shop owners buying stock at retail, wholesale-sized baskets many times a month.  A few
# per thousand customers, far from every segment: what a density-based clustering must leave out.
RESELLER_SHARE = .003
RESELLER_FROM = ("loyal_high_spender", "online_grocery_regular", "occasional_store_shopper",
                 "promo_hunter", "big_ticket_electronics")  # established buyers still buying
RESELLER_RATE30 = (15.0, .25)  # purchases per 30 days: lognormal median, sigma
RESELLER_LINES = 10.0          # mean distinct products per basket
RESELLER_BULK = 40.0           # mean extra units per line (of a product up to RESELLER_CARTON)
RESELLER_CARTON = 500_000      # IDR; dearer products come in proportionally fewer units


def plant_resellers(rng: np.random.Generator, pop: Population) -> None:
    """Turn RESELLER_SHARE of the customers into resellers, in place, from their own stream.

    Only purchase rate, basket lines and units change: every other draw of the population (so
    the customers, consents and texts tables) stays as it was.  They keep their segment in the
    truth; ``outlier`` marks them.
    """
    eligible = np.flatnonzero(np.isin(pop.seg, [NAMES.index(s) for s in RESELLER_FROM]))
    k = min(round(RESELLER_SHARE * len(pop)), len(eligible))
    if k == 0:
        return
    who = np.sort(rng.choice(eligible, k, replace=False))
    pop.outlier[who] = True
    pop.rate[who] = _lognormal(rng, *RESELLER_RATE30, k) / 30
    pop.lines[who] = RESELLER_LINES * _lognormal(rng, 1, .2, k)
    pop.bulk[who] = RESELLER_BULK * _lognormal(rng, 1, .3, k)


def _lognormal(rng, median, sigma, n):
    return np.exp(np.log(median) + sigma * rng.standard_normal(n))


def draw_profile(rng: np.random.Generator, p: Profile, k: int) -> dict[str, np.ndarray]:
    """`k` customers' own draws of profile `p` (the segment-level constants repeated)."""
    med, sig, lo, hi = p.tenure
    f = {"tenure": np.clip(_lognormal(rng, med, sig, k), lo, hi),
         "rate": _lognormal(rng, p.rate30[0], p.rate30[1], k) / 30,
         "lines": p.lines * _lognormal(rng, 1, .2, k),
         "tier": np.clip(rng.normal(p.tier[0], p.tier[1], k), .02, .98)}
    f["gadget"] = np.clip(p.gadget_tier + f["tier"] - p.tier[0], .02, .98)
    f["online"] = rng.beta(*p.online, k)
    w = np.array([p.cats.get(c, .3) for c in CATEGORIES])
    f["cat_prob"] = rng.dirichlet(p.concentration * len(w) * w / w.sum(), k)
    f["browse"] = _lognormal(rng, p.browse30[0], p.browse30[1], k) / 30
    f["views"] = p.views * _lognormal(rng, 1, .25, k)
    f["promo"] = p.promo * _lognormal(rng, 1, .3, k)
    f["abandon"] = np.full(k, p.abandon)
    f["returns"] = rng.beta(*p.returns, k)
    f["discount"] = np.full(k, p.discount)
    f["texts"] = p.texts_year / 365 * _lognormal(rng, 1, .5, k)
    f["churn"] = np.full(k, p.churn)
    f["app"] = np.full(k, p.app)
    return f


def make_population(rng: np.random.Generator, n: int, clock: Clock,
                    first_id: int = 0) -> Population:
    """Segments in exact proportions (shuffled) and each customer's own draw of its profile.

    Customer ids are numbered from ``first_id + 1`` (ids before it belong to earlier chunks).
    """
    shares = np.array([p.share for p in SEGMENTS])
    counts = np.floor(shares / shares.sum() * n).astype(int)
    counts[np.argmax(shares)] += n - counts.sum()
    seg = rng.permutation(np.repeat(np.arange(len(SEGMENTS)), counts))
    f = {k: np.zeros(n) for k in ("tenure", "rate", "lines", "tier", "gadget", "online", "browse",
                                  "views", "promo", "abandon", "returns", "discount", "texts",
                                  "churn", "app")}
    cat_prob = np.zeros((n, len(CATEGORIES)))
    for s, p in enumerate(SEGMENTS):
        m = seg == s
        for name, values in draw_profile(rng, p, int(m.sum())).items():
            (cat_prob if name == "cat_prob" else f[name])[m] = values
    lapsed = seg == NAMES.index("lapsed")
    # Lapsed customers stopped 6-18 months ago (so earlier snapshots see churn too); the others
    # churn, at their segment's rate, in the months around the cut-off.
    drop = np.full(n, NEVER)
    gone = (rng.random(n) < f["churn"]) & ~lapsed
    drop[gone] = clock.cutoff + (rng.uniform(-75, 90, gone.sum()) * DAY).astype(np.int64)
    drop[lapsed] = clock.cutoff - (rng.uniform(185, 540, lapsed.sum()) * DAY).astype(np.int64)
    tenure = f["tenure"] * DAY
    tenure[lapsed] = np.maximum(tenure[lapsed], clock.cutoff - drop[lapsed] + 90 * DAY)
    created = clock.cutoff - tenure.astype(np.int64) - rng.integers(0, DAY, n)
    # Nobody leaves within three weeks of joining (a one-off buyer still buys once).
    drop[gone] = np.maximum(drop[gone], created[gone] + 21 * DAY)
    active = np.maximum(created, clock.start) + HOUR
    foreign = rng.random(n) < .04
    region_of_city = np.array([REGIONS.index(r) for _, r, _ in CITIES])
    w = np.array([c[2] for c in CITIES], float)
    city = rng.choice(len(CITIES), n, p=w / w.sum())
    return Population(
        seg=seg, created=created, drop=drop, active=active, rate=f["rate"], lines=f["lines"],
        tier=f["tier"], gadget=f["gadget"], online=f["online"], cat_prob=cat_prob,
        browse=f["browse"], views=f["views"], promo=f["promo"], abandon=f["abandon"],
        returns=f["returns"], discount=f["discount"], texts=f["texts"],
        currency=np.where(foreign, rng.choice([1, 2], n, p=[.6, .4]), 0),
        app=rng.random(n) < f["app"], city=city, region=region_of_city[city],
        customer_id=ids("C", np.arange(first_id + 1, first_id + n + 1), 7),
        outlier=np.zeros(n, bool), bulk=np.zeros(n),
    )



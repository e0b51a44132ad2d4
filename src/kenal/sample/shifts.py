"""Planted behaviour shifts: known customers who start behaving as another segment at a known date.

Off unless asked for (``generate_sample(..., shift_share=0.02)``).  A share of all customers,
split evenly over the moves of :data:`MOVES`, is drawn from the established customers of each
move's source segment (no reseller, no churner, known for at least ``MIN_TENURE_DAYS`` before the
shift).  Each mover draws a second set of behaviour parameters from the target segment's profile
(purchase and browsing rates, basket size, price tier, channel, category mix, promo and return
habits); its purchases, baskets and web sessions before the shift follow its own segment's draw,
those from the first day of the shift month on follow the target's.  The purchase rate changes at
least ``MIN_RATIO`` times either way, so the move shows in its purchase rhythm, and its segment
really changes.  Name, contacts, device, texts and the planted segment in ``truth["segments"]``
stay as they were; ``truth["shifts"]`` lists the movers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kenal.errors import ConfigError
from kenal.sample._util import DAY, Clock, frame, take
from kenal.sample.population import BEHAVIOUR, NEVER, Population, Shifts, draw_profile
from kenal.sample.segments import NAMES, SEGMENTS

# Window shoppers who start buying their groceries online, and grocery regulars who stop buying
# and only browse: about 18x more or fewer purchases, and groceries in or out of the basket.
MOVES: tuple[tuple[str, str], ...] = (("window_shopper", "online_grocery_regular"),
                                      ("online_grocery_regular", "window_shopper"))
MIN_RATIO = 2.5        # the purchase rate changes at least this many times
MIN_TENURE_DAYS = 182  # a mover was a customer for at least this long before its shift
NOT_TARGETS = ("lapsed", "new_customer")  # a tenure or a drop-out, not a behaviour to move to
DEFAULT_MONTHS_BEFORE = 4  # default shift month: four months before the cut-off's month


def shift_start(clock: Clock, month: str | None) -> np.int64:
    """The first second of `month` ("YYYY-MM"; by default four months before the cut-off's), or a
    ConfigError unless it leaves half a year of history before it and a month after it."""
    cutoff_month = np.datetime64(clock.cutoff // DAY, "D").astype("datetime64[M]")
    if month is None:
        first = cutoff_month - DEFAULT_MONTHS_BEFORE
    else:
        try:
            first = np.datetime64(str(month), "M")
        except ValueError:
            raise ConfigError(f"shift_month must be a month like 2026-02, got {month!r}") from None
    day = int(first.astype("datetime64[D]").astype(np.int64))
    if not (clock.start + MIN_TENURE_DAYS * DAY <= day * DAY <= clock.cutoff - 30 * DAY):
        lo = np.datetime64(clock.start // DAY + MIN_TENURE_DAYS, "D").astype("datetime64[M]") + 1
        hi = np.datetime64(clock.cutoff // DAY - 30, "D").astype("datetime64[M]")
        raise ConfigError(f"shift_month must lie between {lo} and {hi} (half a year of history before "
                          f"it, a month after it), got {first}")
    return np.int64(day * DAY)


def check_moves(moves: Sequence[tuple[str, str]]) -> list[tuple[int, int]]:
    """Moves as (source, target) segment codes, or a ConfigError naming what is wrong."""
    if not moves:
        raise ConfigError("shift_moves must list at least one (from_segment, to_segment) pair")
    codes = []
    for move in moves:
        if not (isinstance(move, (tuple, list)) and len(move) == 2):
            raise ConfigError(f"a shift move is a (from_segment, to_segment) pair, got {move!r}")
        for name in move:
            if name not in NAMES:
                raise ConfigError(f"unknown segment {name!r} in shift move {tuple(move)}; "
                                  f"segments: {', '.join(NAMES)}")
        if move[1] in NOT_TARGETS or move[0] == move[1]:
            raise ConfigError(f"customers cannot move from {move[0]} to {move[1]}: the target must be "
                              f"another segment, not one of {', '.join(NOT_TARGETS)}")
        codes.append((NAMES.index(move[0]), NAMES.index(move[1])))
    return codes


def plant_shifts(rng: np.random.Generator, pop: Population, clock: Clock, share: float,
                 month: str | None, moves: Sequence[tuple[str, str]] = MOVES) -> pd.DataFrame:
    """Make round(share · customers) established customers, split as evenly as possible over the
    moves (earlier moves take the odd ones), behave as their move's target from the first day of
    `month` on (sets ``pop.shifts``); a move with too few eligible customers gets all of them.
    Returns the truth: customer_id, from_segment, to_segment, shift_date (YYYY-MM-DD), one row per
    mover."""
    if not (isinstance(share, (int, float)) and 0 < share < 1):
        raise ConfigError(f"shift_share must be a share between 0 and 1, got {share!r}")
    at = shift_start(clock, month)
    codes = check_moves(moves)
    total = round(share * len(pop))
    who, to, after = [], [], {name: [] for name in BEHAVIOUR}
    taken = np.zeros(len(pop), bool)
    for i, (source, target) in enumerate(codes):
        eligible = np.flatnonzero((pop.seg == source) & ~pop.outlier & (pop.drop == NEVER) & ~taken
                                  & (pop.created <= at - MIN_TENURE_DAYS * DAY))
        k = min(total // len(codes) + (i < total % len(codes)), len(eligible))
        rows = np.sort(rng.choice(eligible, k, replace=False))
        taken[rows] = True
        drawn = draw_profile(rng, SEGMENTS[target], k)
        drawn["bulk"] = pop.bulk[rows]  # movers are no resellers: 0
        before = pop.rate[rows]
        if SEGMENTS[target].rate30[0] >= SEGMENTS[source].rate30[0]:
            drawn["rate"] = np.maximum(drawn["rate"], MIN_RATIO * before)
        else:
            drawn["rate"] = np.minimum(drawn["rate"], before / MIN_RATIO)
        who.append(rows)
        to.append(np.full(k, target))
        for name in BEHAVIOUR:
            after[name].append(drawn[name])
    who_all = np.concatenate(who) if who else np.zeros(0, np.int64)
    order = np.argsort(who_all, kind="stable")
    pop.shifts = Shifts(who=who_all[order], at=np.full(len(who_all), at),
                        to=np.concatenate(to)[order] if to else np.zeros(0, np.int64),
                        after={name: np.concatenate(v)[order] if v else getattr(pop, name)[:0]
                               for name, v in after.items()})
    s = pop.shifts
    date = str(np.datetime64(int(at) // DAY, "D"))
    return frame({"customer_id": take(pop.customer_id, s.who),
                  "from_segment": take(NAMES, pop.seg[s.who]),
                  "to_segment": take(NAMES, s.to),
                  "shift_date": take([date], np.zeros(len(s.who), np.int64))})

"""Daily external indicators per province: weather and economic sentiment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kenal.sample._util import Clock, frame, objects
from kenal.sample.customers import REGIONS

INDICATORS = ("rainfall_mm", "temperature_c", "consumer_confidence_index", "fuel_price_idr")


def make_external(rng: np.random.Generator, clock: Clock) -> pd.DataFrame:
    dates = clock.dates()
    n, r = len(dates), len(REGIONS)
    doy = (dates - dates.astype("datetime64[Y]")).astype(int)
    # Wet season November-March: the chance of rain and its amount peak around January.
    wet = 0.5 + 0.5 * np.cos(2 * np.pi * (doy - 15) / 365.25)
    rain_p = 0.2 + 0.6 * wet[:, None] * rng.uniform(.8, 1.1, r)
    rain = np.where(rng.random((n, r)) < rain_p, rng.gamma(1.2, 6 + 14 * wet[:, None], (n, r)), 0.0)
    base_temp = rng.uniform(26.0, 28.5, r)
    temp = base_temp + 0.8 * np.cos(2 * np.pi * (doy - 280) / 365.25)[:, None] - 0.04 * rain \
        + rng.normal(0, .6, (n, r))
    # One national confidence index (a slow random walk) plus a small regional offset.
    walk = 122 + np.cumsum(rng.normal(0, .25, n))
    cci = walk[:, None] + rng.normal(0, 3, r) + rng.normal(0, .4, (n, r))
    # Subsidised fuel: one national price that changes on a few days.
    steps = np.zeros(n)
    steps[np.sort(rng.choice(n, 2, replace=False))] = rng.choice([500, 1_000, -300], 2)
    fuel = np.repeat((10_000 + np.cumsum(steps))[:, None], r, axis=1)
    values = np.stack([np.round(rain, 1), np.round(temp, 1), np.round(cci, 1), fuel], axis=2)
    k = len(INDICATORS)
    return frame({
        "date": np.repeat(np.datetime_as_string(dates).astype(object), r * k),
        "region": np.tile(np.repeat(objects(REGIONS), k), n),
        "indicator": np.tile(objects(INDICATORS), n * r),
        "value": values.ravel(),
    })

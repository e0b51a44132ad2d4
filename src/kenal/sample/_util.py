"""Vectorised helpers shared by the generator modules: the clock, ids, strings and sampling.

Times are int64 seconds since 1970-01-01 00:00 of *Jakarta wall-clock time* (UTC+07:00, no DST),
so formatting never needs a time-zone database and a day boundary is a multiple of 86,400.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

DAY = 86_400
HOUR = 3_600
OFFSET = "+07:00"

# Share of activity per hour of day (Jakarta). Online peaks at lunch and after dinner.
ONLINE_HOURS = np.array([1.0, .6, .3, .2, .3, .8, 1.5, 2.5, 3.5, 4.0, 4.5, 5.0,
                         6.0, 5.5, 4.5, 4.0, 4.0, 4.5, 5.5, 7.0, 8.0, 8.0, 6.0, 3.0])
STORE_HOURS = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3.0, 4.0,
                        5.0, 5.0, 4.5, 4.5, 5.0, 6.0, 7.0, 7.0, 6.0, 3.0, 0, 0])

# Idul Fitri (Lebaran) dates: the month of Ramadan before them drives grocery and fashion sales.
LEBARAN = ("2020-05-24", "2021-05-13", "2022-05-02", "2023-04-22", "2024-04-10", "2025-03-31",
           "2026-03-20", "2027-03-10", "2028-02-27", "2029-02-14", "2030-02-05", "2031-01-25")


@dataclass(frozen=True)
class Clock:
    """The time frame of one sample: history start, cut-off and the look-ahead horizon."""

    start: int    # first second of history (midnight, `history_days` before the cut-off day)
    cutoff: int   # last second of the cut-off day; no normal row is later
    horizon: int  # end of the look-ahead window simulated for the churn truth

    @classmethod
    def from_cutoff(cls, cutoff: str, history_days: int = 730, horizon_days: int = 90) -> Clock:
        day = int(np.datetime64(cutoff, "D").astype(np.int64))
        end = (day + 1) * DAY - 1
        return cls(start=(day - history_days) * DAY, cutoff=end, horizon=end + horizon_days * DAY)

    def dates(self) -> np.ndarray:
        """datetime64[D] of each day of history, the cut-off day included."""
        return np.arange(self.start // DAY, self.cutoff // DAY + 1).astype("datetime64[D]")


def season(clock: Clock) -> np.ndarray:
    """Relative daily shopping intensity from history start to horizon, mean 1 over history.

    Payday (25th to 2nd), the Ramadan month before Lebaran and the 11.11 / 12.12 online sales.
    """
    dates = np.arange(clock.start // DAY, clock.horizon // DAY + 1).astype("datetime64[D]")
    dom = (dates - dates.astype("datetime64[M]")).astype(int) + 1
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    m = np.ones(len(dates))
    m[(dom >= 25) | (dom <= 2)] *= 1.2
    for leb in LEBARAN:
        d = (dates - np.datetime64(leb)).astype(int)
        m[(d >= -30) & (d < -2)] *= 1.35
        m[(d >= -2) & (d <= 2)] *= 0.6  # shops close and people travel home (mudik)
    for mo in (11, 12):
        m[(month == mo) & (dom == mo)] *= 2.2
        m[(month == mo) & (np.abs(dom - mo) == 1)] *= 1.3
    n_hist = (clock.cutoff - clock.start) // DAY + 1
    return m / m[:n_hist].mean()


def time_of_day(rng: np.random.Generator, n: int, profile: np.ndarray) -> np.ndarray:
    """Seconds after midnight drawn from an hourly profile."""
    cum = np.cumsum(profile / profile.sum())
    hour = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), 23)
    return hour * HOUR + rng.integers(0, HOUR, n)


def poisson_times(rng: np.random.Generator, rate_per_day: np.ndarray, lo: np.ndarray,
                  hi: np.ndarray, accept: np.ndarray | None = None,
                  drop: np.ndarray | None = None, fade_days: float = 60.0,
                  clock: Clock | None = None,
                  change: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Event times of an inhomogeneous Poisson process per owner, by thinning.

    `rate_per_day` is the owner's base rate; `accept` an optional daily multiplier (indexed by day
    since ``clock.start``, max-normalised here); before `drop` the rate fades linearly to zero over
    `fade_days`, so a churner's purchases thin out before they stop; `change` (time, rate) per owner
    switches the base rate from that time on (a planted behaviour shift).  Returns (owner, time)
    sorted by owner then time.
    """
    span = np.maximum(hi - lo, 0)
    scale = 1.0 if accept is None else float(accept.max())
    top = rate_per_day if change is None else np.maximum(rate_per_day, change[1])
    n = rng.poisson(top * scale * span / DAY)
    owner = np.repeat(np.arange(len(lo)), n)
    t = lo[owner] + (rng.random(len(owner)) * span[owner]).astype(np.int64)
    p = np.ones(len(owner))
    if change is not None:  # owners with events have top > 0
        p *= np.where(t >= change[0][owner], change[1][owner], rate_per_day[owner]) / top[owner]
    if accept is not None:
        p *= accept[(t - clock.start) // DAY] / scale
    if drop is not None:
        p *= np.clip((drop[owner] - t) / (fade_days * DAY), 0.0, 1.0)
    keep = rng.random(len(owner)) < p
    owner, t = owner[keep], t[keep]
    order = np.lexsort((t, owner))
    return owner[order], t[order]


def after(rng: np.random.Generator, t: np.ndarray, earliest: np.ndarray) -> np.ndarray:
    """`t`, but never before `earliest`: times too early move to a random moment 0-3 h after it.

    (Clamping would pile many rows onto the very same second.)
    """
    early = t < earliest
    return np.where(early, earliest + rng.integers(0, 3 * HOUR, len(t)), t)


def sample_rows(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One categorical draw per element of `rows` from the probability row ``probs[row]``."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(rows)) * cum[rows, -1]
    return (cum[rows] < u[:, None]).sum(axis=1).clip(max=probs.shape[1] - 1)


def objects(items) -> np.ndarray:
    """A list of strings as a 1-d object array (so fancy indexing shares the string objects)."""
    arr = np.empty(len(items), dtype=object)
    arr[:] = list(items)
    return arr


def ragged_index(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts per group: the group of each element and its position within the group."""
    counts = np.asarray(counts, np.int64)
    group = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return group, np.arange(len(group)) - starts[group]


# --- strings: built as byte matrices or with Arrow kernels and kept as Arrow arrays; creating
# millions of Python str objects would dominate the run time.  Tables use pandas' Arrow-backed
# "string[pyarrow]" dtype, which also writes to Parquet / CSV without conversion.

TEXT = pa.large_string()  # what pandas' string[pyarrow] holds, so no cast is needed


def _strings(data: np.ndarray, lengths: np.ndarray) -> pa.Array:
    offsets = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(lengths), pa.py_buffer(offsets),
                                            pa.py_buffer(np.ascontiguousarray(data)))


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    v = np.asarray(values, np.int64).copy()
    out = np.empty((len(v), width), np.uint8)
    for i in range(width - 1, -1, -1):
        out[:, i] = 48 + v % 10
        v //= 10
    return out


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Zero-padded ids such as C0000001.

    A number with more than `width` digits keeps all of them (C12345678): cutting would repeat
    ids, and padding every id to the widest would make one number's id depend on the others.
    """
    numbers = np.asarray(numbers, np.int64)
    full = max(width, len(str(int(numbers.max())))) if len(numbers) else width
    p = np.frombuffer(prefix.encode(), np.uint8)
    mat = np.empty((len(numbers), len(p) + full), np.uint8)
    mat[:, :len(p)] = p
    mat[:, len(p):] = _digits(numbers, full)
    if full == width:
        return _strings(mat.ravel(), np.full(len(numbers), mat.shape[1]))
    digits = width + sum((numbers >= 10 ** k).astype(np.int64) for k in range(width, full))
    keep = np.ones(mat.shape, bool)
    keep[:, len(p):] = np.arange(full) >= (full - digits)[:, None]  # drop surplus leading zeros
    return _strings(mat[keep], len(p) + digits)


_HEX = np.frombuffer("".join(f"{i:02x}" for i in range(256)).encode(), np.uint16)


def hex_ids(rng: np.random.Generator, n: int, chars: int = 32) -> pa.Array:
    """Random lowercase hex strings drawn from the seeded generator (message ids, anonymous ids)."""
    raw = rng.integers(0, 256, (n, chars // 2), dtype=np.uint8)
    return _strings(_HEX[raw].view(np.uint8).ravel(), np.full(n, chars))


def format_ts(t: np.ndarray, naive: np.ndarray | None = None) -> pa.Array:
    """ISO-8601 strings with the +07:00 offset; rows flagged `naive` are written without it."""
    t = np.asarray(t, np.int64)
    n = len(t)
    day = t // DAY
    d0 = int(day.min()) if n else 0
    dates = np.arange(d0, (int(day.max()) if n else 0) + 1).astype("datetime64[D]")
    dtab = np.frombuffer("".join(np.datetime_as_string(dates)).encode(), np.uint8).reshape(-1, 10)
    sod = t - day * DAY
    mat = np.empty((n, 25), np.uint8)
    mat[:, :10] = dtab[day - d0]
    mat[:, 10] = ord("T")
    mat[:, 11:19] = _tod_table()[sod]
    mat[:, 19:] = np.frombuffer(OFFSET.encode(), np.uint8)
    if naive is None or not naive.any():
        return _strings(mat.ravel(), np.full(n, 25))
    keep = np.ones((n, 25), bool)
    keep[naive, 19:] = False
    return _strings(mat[keep], np.where(naive, 19, 25))


_TOD: list[np.ndarray] = []


def _tod_table() -> np.ndarray:
    if not _TOD:
        s = np.arange(DAY)
        tab = np.full((DAY, 8), ord(":"), np.uint8)
        tab[:, 0:2] = _digits(s // 3600, 2)
        tab[:, 3:5] = _digits(s // 60 % 60, 2)
        tab[:, 6:8] = _digits(s % 60, 2)
        _TOD.append(tab)
    return _TOD[0]


def take(vocab, codes: np.ndarray) -> pa.Array:
    """vocab[codes] as an Arrow string array; code -1 gives null."""
    if not isinstance(vocab, (pa.Array, pa.ChunkedArray)):
        vocab = pa.array(list(vocab), TEXT)
    codes = np.asarray(codes, np.int64)
    return vocab.take(pa.array(codes, mask=codes < 0))


def num_str(x: np.ndarray, decimals: int = 0) -> pa.Array:
    """Numbers as JSON-ready text: integers without a decimal point, else rounded."""
    if decimals == 0:
        return pc.cast(pa.array(np.round(x).astype(np.int64)), TEXT)
    return pc.cast(pa.array(np.round(np.asarray(x, float), decimals)), TEXT)


def join(*parts) -> pa.Array:
    """Element-wise concatenation of Arrow string arrays and str scalars."""
    parts = [pa.scalar(p, TEXT) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*parts, pa.scalar("", TEXT))


STRING = pd.StringDtype("pyarrow")


def strings(values) -> pd.api.extensions.ExtensionArray:
    """Any array of str (Arrow, or numpy object with None for null) as pandas string[pyarrow]."""
    if isinstance(values, pa.ChunkedArray):
        return pd.arrays.ArrowStringArray(values)
    if isinstance(values, pa.Array):
        return pd.arrays.ArrowStringArray(pa.chunked_array([values]))
    return pd.array(values, dtype=STRING)


def arrow(column: pd.Series) -> pa.Array:
    """The Arrow array behind a string[pyarrow] column."""
    arr = pa.array(column.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def frame(columns: dict) -> pd.DataFrame:
    """A DataFrame whose text columns (Arrow arrays, object arrays, str scalars) are strings."""
    n = max((len(v) for v in columns.values() if not isinstance(v, str)), default=0)
    out = {}
    for name, v in columns.items():
        if isinstance(v, str):
            v = np.full(n, v, dtype=object)
        is_text = isinstance(v, (pa.Array, pa.ChunkedArray)) or getattr(v, "dtype", None) == object
        out[name] = strings(v) if is_text else v
    return pd.DataFrame(out)

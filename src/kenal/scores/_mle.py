"""What the buy-till-you-die models share: checking a customer summary, grouping equal rows,
and maximum likelihood with standard errors.

Every model supplies ``_loglik(params, *data) -> (ll, grad)``: the log-likelihood of each row and
its gradient with respect to the natural parameters (shape ``(n, k)``).  Fitting then:

* groups identical rows and weighs each group by its size (a summary in whole days has far fewer
  distinct rows than customers, so a million customers cost a fraction of a million evaluations);
* rescales time so the oldest customer is 10 units old, which puts the scale parameters (alpha,
  beta) near 1 whatever the data's unit, so one starting point serves days, weeks or years;
* minimises the mean negative log-likelihood over log-parameters with L-BFGS-B and the analytic
  gradient (log space keeps every parameter positive without active bounds);
* reports the log-likelihood and standard errors in the data's own units: the standard errors are
  the square roots of the diagonal of the inverse Hessian of the negative log-likelihood at the
  optimum, the Hessian taken by central differences of the analytic gradient.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from kenal.errors import KenalError, SourceError


class ModelError(KenalError):
    """A model cannot be fitted or cannot answer: no data to learn from, or a quantity it does not define."""


def as_float(values, name: str, source: str) -> np.ndarray:
    """A numeric column as a float array; a value that is not a number names its row."""
    series = pd.Series(values).reset_index(drop=True)
    numbers = pd.to_numeric(series, errors="coerce")
    bad = numbers.isna()
    if bad.any():
        row = int(bad.idxmax())
        raw = series.iloc[row]
        if raw is None or (isinstance(raw, float) and np.isnan(raw)) or raw is pd.NA:
            raise SourceError(source, f"is empty in row {row + 1}", column=name, expected="a number in every row")
        raise SourceError(source, f"is not a number in row {row + 1}", column=name, example=raw, expected="a number")
    out = numbers.to_numpy(dtype=float)
    if not np.isfinite(out).all():
        row = int(np.argmax(~np.isfinite(out)))
        raise SourceError(source, f"is not finite in row {row + 1}", column=name, example=series.iloc[row],
                          expected="a finite number")
    return out


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _shown(value: float) -> float | int:
    """A value as a user wrote it: 3 rather than 3.0 (and never numpy's np.float64(3.0))."""
    return int(value) if float(value).is_integer() else float(value)


def check_rfm(frequency, recency, T, source: str = "summary") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """frequency, recency, T as float arrays, or a SourceError naming the first row that breaks the rules.

    frequency is the number of repeat purchases (a whole number >= 0), recency the time from the first
    to the last purchase, T the time from the first purchase to the end of the period (0 <= recency <= T),
    and a customer with no repeat purchase has recency 0.
    """
    x = as_float(frequency, "frequency", source)
    t_x = as_float(recency, "recency", source)
    age = as_float(T, "T", source)
    if not (len(x) == len(t_x) == len(age)):
        raise SourceError(source, f"has columns of different lengths ({len(x)}, {len(t_x)}, {len(age)})",
                          expected="one frequency, recency and T per customer")
    if len(x) == 0:
        raise SourceError(source, "has no customers", expected="one row per customer")
    for name, values in (("frequency", x), ("recency", t_x), ("T", age)):
        if (values < 0).any():
            i = _first(values < 0)
            raise SourceError(source, f"is negative in row {i + 1}", column=name, example=_shown(values[i]),
                              expected="a value >= 0")
    if (x != np.round(x)).any():
        i = _first(x != np.round(x))
        raise SourceError(source, f"is not a whole number in row {i + 1}", column="frequency",
                          example=_shown(x[i]), expected="the number of repeat purchases (0, 1, 2, ...)")
    if (t_x > age).any():
        i = _first(t_x > age)
        raise SourceError(source, f"is greater than T ({age[i]:g}) in row {i + 1}", column="recency",
                          example=_shown(t_x[i]),
                          expected="recency <= T (the last purchase falls within the customer's age)")
    if ((x == 0) & (t_x > 0)).any():
        i = _first((x == 0) & (t_x > 0))
        raise SourceError(source, f"is above 0 for a customer with frequency 0 in row {i + 1}", column="recency",
                          example=_shown(t_x[i]), expected="recency 0 when there is no repeat purchase "
                                                   "(recency is the time from the first to the last purchase)")
    return x, t_x, age


def rfm_columns(frequency, recency, T) -> tuple:
    """Accept ``(frame)`` with columns frequency, recency, T, or three array-likes."""
    if isinstance(frequency, pd.DataFrame) and recency is None and T is None:
        frame = frequency
        missing = [c for c in ("frequency", "recency", "T") if c not in frame.columns]
        if missing:
            raise SourceError("summary", "is missing", column=missing[0],
                              expected=f"columns frequency, recency, T; found {', '.join(map(str, frame.columns))}")
        return frame["frequency"], frame["recency"], frame["T"]
    if recency is None or T is None:
        raise TypeError("pass frequency, recency and T, or one DataFrame with those columns")
    return frequency, recency, T


def distinct(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of the columns, and each row's index into them (hashing, no sort)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:  # fold one column in at a time, re-numbering so the key stays < n
        codes, values = pd.factorize(column)
        key = pd.factorize(key * len(values) + codes)[0]
    first = np.empty(key.max() + 1 if len(key) else 0, dtype=np.int64)
    first[key[::-1]] = np.arange(len(key) - 1, -1, -1)  # each distinct row's first occurrence
    return [np.asarray(c, dtype=float)[first] for c in columns], key


def group_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of the columns and how many times each occurs."""
    unique, codes = distinct(*columns)
    return unique, np.bincount(codes).astype(float)


def maximise(loglik, data: list[np.ndarray], weights: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """The natural parameters that maximise sum(weights * loglik), searched over log-parameters."""
    total = weights.sum()

    def objective(log_params):
        params = np.exp(log_params)
        ll, grad = loglik(params, *data)
        # einsum, not @: BLAS would thread this tall, thin product, and threads only cost here
        value = -np.einsum("i,i->", weights, ll) / total
        gradient = -np.einsum("i,ij->j", weights, grad) * params / total  # d/dlog(p) = p * d/dp
        if not np.isfinite(value):
            return np.inf, np.zeros_like(log_params)
        return value, gradient

    result = minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=[(-25.0, 25.0)] * len(x0),
                      options={"maxiter": 5000, "maxfun": 10000, "ftol": 1e-15, "gtol": 1e-10})
    if not np.isfinite(result.fun):
        raise ModelError("the likelihood could not be evaluated at any parameter value tried; check the data")
    return np.exp(result.x)


def standard_errors(loglik, params: np.ndarray, data: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """sqrt(diag(inverse Hessian)) of the total negative log-likelihood at params; NaN where it is not
    positive definite (a parameter on the edge of its range, or not identified by the data)."""
    k = len(params)
    hessian = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * params[j]
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        hessian[:, j] = -np.einsum("i,ij->j", weights, loglik(up, *data)[1] - loglik(down, *data)[1]) / (2 * h)
    hessian = (hessian + hessian.T) / 2
    try:
        np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)
    return np.sqrt(np.diag(np.linalg.inv(hessian)))


def fit_mle(loglik, names: tuple[str, ...], columns: list[np.ndarray], time_columns: list[int],
            time_params: list[int], x0: np.ndarray | None = None, prepare=None) -> tuple[dict, dict, float, int]:
    """Fit by maximum likelihood: (params, standard errors, log-likelihood, number of rows).

    ``time_columns`` index the data columns measured in time (recency, T) and ``time_params`` the
    parameters measured in time (alpha, beta): both are rescaled together while searching.
    ``prepare(*columns)`` returns what ``loglik(params, *prepared)`` takes (e.g. the distinct values
    of x, so functions of x alone are computed once per value, not once per row).
    """
    prepare = prepare or (lambda *c: c)
    unique, weights = group_rows(*columns)
    scale = max((float(unique[c].max()) for c in time_columns), default=10.0) / 10.0
    scale = scale if scale > 0 else 1.0
    scaled = [u / scale if i in time_columns else u for i, u in enumerate(unique)]
    start = np.zeros(len(names)) if x0 is None else np.log(x0)
    # One BLAS thread: L-BFGS-B's Fortran calls BLAS on 3-4 numbers per step, and waking threads for
    # that made the whole fit 2-3x slower on a busy 2-core machine.
    with threadpool_limits(limits=1):
        found = maximise(loglik, prepare(*scaled), weights, start)
    found[time_params] *= scale
    data = prepare(*unique)
    ll = float(weights @ loglik(found, *data)[0])
    se = standard_errors(loglik, found, data, weights)
    return (dict(zip(names, map(float, found))), dict(zip(names, map(float, se))), ll, int(weights.sum()))


def levels(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values and each row's index into them."""
    return np.unique(values, return_inverse=True)


def discount_sum(expected_by_time, horizon: float, discount_rate: float, step: float) -> np.ndarray:
    """sum over steps k of (E[X(t_k)] - E[X(t_(k-1))]) / (1 + discount_rate) ** t_k, t_k = k * step.

    The purchases expected in each step are discounted from the step's end, so with a small step this
    approaches continuous discounting at the rate log(1 + discount_rate) per unit of time.
    """
    if horizon <= 0 or step <= 0:
        raise ValueError("horizon and step must be positive")
    if discount_rate <= -1:
        raise ValueError("discount_rate must be greater than -1")
    n = int(np.ceil(horizon / step - 1e-9))
    times = np.minimum(np.arange(1, n + 1) * step, horizon)
    total, before = 0.0, 0.0
    for t in times:
        now = expected_by_time(t)
        total = total + (now - before) / (1 + discount_rate) ** t
        before = now
    return total

"""BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to
the Pareto/NBD model", Marketing Science 24(2), 275-284.

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase they
leave for good with probability p ~ Beta(a, b).  Per customer, with x repeat purchases, the last at
t_x, observed for T (paper's equation 6, in logs)::

    L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))

Given the customer is alive at T, lambda | data ~ Gamma(r+x, alpha+T) and p | data ~ Beta(a, b+x),
and the next purchase comes for sure (leaving happens only right after a purchase); that gives
P(purchase within t) and the median wait in closed form.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from kenal.scores._mle import levels
from kenal.scores._purchase import PurchaseModel


def _prepare(x, t_x, T):
    """Rows plus the distinct values of x, t_x and T: in a summary from whole days there are a few
    hundred of each, so the special functions run per value and each row only looks them up."""
    return (x, *levels(x), *levels(t_x), *levels(T))


def _loglik_prepared(params, x, xu, xi, tu, ti, big_tu, big_ti):
    r, alpha, a, b = params
    xb = np.maximum(xu, 1.0)  # keeps b + x - 1 > 0 where the term is unused (x = 0)
    # per distinct x: A1 + A2 of the paper, and their derivatives
    const = gammaln(r + xu) - gammaln(r) + r * np.log(alpha) + betaln(a, b + xu) - betaln(a, b)
    log_odds = np.log(a) - np.log(b + xb - 1)
    d_r = digamma(r + xu) - digamma(r) + np.log(alpha)
    d_a = digamma(a + b) - digamma(a + b + xu)
    d_b = d_a + digamma(b + xu) - digamma(b)
    # per distinct time
    log_t, log_big_t = np.log(alpha + tu)[ti], np.log(alpha + big_tu)[big_ti]
    inv_t, inv_big_t = (1 / (alpha + tu))[ti], (1 / (alpha + big_tu))[big_ti]
    rx = r + x
    # log L = A1 + A2 + A3 + log(1 + [x > 0] exp(A4 - A3)), A3 = -(r+x) log(alpha+T)
    gap = np.where(x > 0, log_odds[xi] + rx * (log_big_t - log_t), -np.inf)  # A4 - A3
    w4 = expit(gap)  # share of the "left after the last purchase" term
    w3 = 1 - w4
    grad = np.empty((len(x), 4))
    grad[:, 0] = d_r[xi] - w3 * log_big_t - w4 * log_t
    grad[:, 1] = r / alpha - rx * (w3 * inv_big_t + w4 * inv_t)
    grad[:, 2] = d_a[xi] + w4 / a
    grad[:, 3] = d_b[xi] - w4 / (b + xb - 1)[xi]
    return const[xi] - rx * log_big_t + np.logaddexp(0.0, gap), grad


def _loglik(params, x, t_x, T):
    """Log-likelihood of each row (x, t_x, T) and its gradient in (r, alpha, a, b)."""
    return _loglik_prepared(params, *_prepare(x, t_x, T))


def sample_bgnbd(r: float, alpha: float, a: float, b: float, T, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Draw (frequency, recency) for customers observed for T from the BG/NBD process (exactly:
    x = min(repeat purchases until leaving ~ Geometric(p), Poisson(lambda T) purchases by T); the
    x-th of n uniform purchase times on [0, T] is T * Beta(x, n - x + 1))."""
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=float)
    lam = rng.gamma(r, 1 / alpha, len(T))
    p = rng.beta(a, b, len(T))
    n = rng.poisson(lam * T)
    x = np.minimum(rng.geometric(p), n)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(n - x + 1, 1)), 0.0)
    return x.astype(float), t_x


def _expected_if_alive(params, t, x, T):
    """E[purchases in (T, T+t] | alive at T], FHL (2005) equation 10 without its P(alive) factor:

        (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)],  z = t/(alpha+T+t)

    computed after Euler's transformation 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z), which
    turns the bracket into 1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z): the hypergeometric series
    then has small upper parameters and stays near 1, where the published form overflows for heavy
    buyers (x in the hundreds) and multiplies 0 by infinity.
    """
    r, alpha, a, b = params
    z = t / (alpha + T + t)
    log_rest = (a - 1) * np.log1p(-z) + np.log(hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z))
    return (a + b + x - 1) / (a - 1) * -np.expm1(log_rest)


class BetaGeoModel(PurchaseModel):
    """The BG/NBD model: ``params_`` r, alpha, a, b (alpha in the summary's time unit)."""

    _names = ("r", "alpha", "a", "b")
    _time_params = [1]
    name = "bgnbd"
    _loglik = staticmethod(_loglik)
    _loglik_fit = staticmethod(_loglik_prepared)
    _prepare = staticmethod(_prepare)

    def p_alive(self, frequency, recency=None, T=None) -> np.ndarray:
        """Probability that each customer is still a customer at T (1 for frequency 0: in the BG/NBD
        nobody leaves before a repeat purchase)."""
        return super().p_alive(frequency, recency, T)

    def _alive(self, x, t_x, T):
        return 1 / self._odds(x, t_x, T)

    def _odds(self, x, t_x, T):
        r, alpha, a, b = self._params()
        repeat = x > 0
        xb = np.where(repeat, x, 1.0)
        with np.errstate(over="ignore"):
            ratio = np.exp(np.log(a) - np.log(b + xb - 1) + (r + x) * np.log((alpha + T) / (alpha + t_x)))
        return 1 + np.where(repeat, ratio, 0.0)

    def _expected_if_alive(self, t, x, T):
        return _expected_if_alive(self._params(), t, x, T)

    def population_expected_purchases(self, t) -> np.ndarray:
        """E[X(t)]: expected repeat purchases in (0, t] of a new customer (FHL 2005 equation 9)."""
        t = np.asarray(t, dtype=float)
        return _expected_if_alive(self._params(), t, np.zeros_like(t), np.zeros_like(t))

    def _p_purchase(self, t, x, t_x, T):
        r, alpha, _, _ = self._params()
        return (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)) / self._odds(x, t_x, T)

    def _next_purchase_time(self, q, x, t_x, T):  # invert P(alive) (1 - ((A)/(A+t))^(r+x)) = q
        r, alpha, _, _ = self._params()
        alive = 1 / self._odds(x, t_x, T)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (alpha + T) * np.expm1(-np.log1p(-q / alive) / (r + x))
        return np.where(alive > q, t, np.inf)

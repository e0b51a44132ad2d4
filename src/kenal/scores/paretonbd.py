"""Pareto/NBD: Schmittlein, Morrison & Colombo (1987), in the form of Fader & Hardie (2005), "A note
on deriving the Pareto/NBD model and related expressions".

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha) and leaves at an exponential
time of rate mu ~ Gamma(s, beta).  Per customer (x repeat purchases, the last at t_x, observed for T)::

    L = G(r+x) alpha^r beta^s / G(r) * [ (alpha+T)^-(r+x) (beta+T)^-s
                                         + s * I ],   I = int_{t_x}^{T} (alpha+u)^-(r+x) (beta+u)^-(s+1) du

The first term is "still alive at T", the integral "left at u, between t_x and T" (lambda and mu
integrated out of lambda^x e^-(lambda+mu) T and lambda^x mu e^-(lambda+mu) u).  The published form
writes I with the Gaussian hypergeometric function 2F1, switching on alpha >= beta to keep its argument
in [0, 1), as a difference of two terms that cancel when t_x is near T; here I is integrated
numerically instead: a positive integrand, no cancellation, and the gradient is the same quadrature
of the derivative of the integrand (so it is analytic up to the quadrature error, ~1e-12 relative).

Quadrature: substituting v = exp(G(t_x) - G(u)), G the log of the integrand's reciprocal, leaves a
smooth integrand on [exp(G(t_x) - G(T)), 1] that behaves like a power of v; 48-point Gauss-Legendre
in log v then integrates it to about 1e-11 relative (checked against adaptive quadrature in the tests).
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

from kenal.scores._mle import distinct
from kenal.scores._purchase import PurchaseModel

_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)
_FLOOR = -45.0  # below v = e^-45 the integrand's mass is negligible (it is at most a constant in v)


def _nodes(log_lower):
    """Gauss-Legendre nodes v and weights for int_lower^1 f(v) dv taken in log v: the integrand
    behaves like a power of v, which is smooth in log v."""
    lo = np.maximum(log_lower, _FLOOR)
    ell = lo / 2 * (1 - _GL_X)  # from lo to 0
    v = np.exp(ell)
    return v, -lo / 2 * _GL_W * v


def _power_integral(alpha, p, beta, q, lo, hi):
    """log of int_lo^hi (alpha+u)^-p (beta+u)^-q du (hi may be inf; -inf when lo == hi), with the
    quadrature nodes u (n, 48) and each node's share of the integral (for gradients).

    With G(u) = p log(alpha+u) + q log(beta+u), y = G(u) - G(lo) and k = 1/(p+q), the integral is
    exp(-G(lo)) int_0^Y e^-y / G'(u(y)) dy.  Far out the integrand decays only like e^-(1-k) y, so
    substitute v = exp(-(1-k) y): the integrand in v, e^-k y / ((1-k) G'(u)), tends to a constant
    at both ends and is smooth between, whatever the exponents and offsets.  u(y) solves a convex
    equation in log(min(alpha, beta) + u), by Newton steps that converge from the right.
    """
    n = np.broadcast(alpha, p, beta, q, lo, hi).shape
    alpha, p, beta, q, lo, hi = (np.broadcast_to(np.asarray(a, dtype=float), n)[..., None]
                                 for a in (alpha, p, beta, q, lo, hi))
    kappa = 1 / (p + q)
    eps = 1 - kappa
    g_lo = p * np.log(alpha + lo) + q * np.log(beta + lo)
    with np.errstate(invalid="ignore"):
        drop = np.where(np.isinf(hi), np.inf, p * np.log(alpha + hi) + q * np.log(beta + hi) - g_lo)
    v, weights = _nodes(-eps * drop)  # (n, 48)
    y = -np.log(v) / eps
    target = g_lo + y  # G(u) at each node
    m = np.minimum(alpha, beta)
    zeta_hi = np.log(m + hi)
    zeta = np.log(m + lo) + 0 * v
    for _ in range(50):
        e = np.exp(zeta)
        a_, b_ = alpha - m + e, beta - m + e
        step = (p * np.log(a_) + q * np.log(b_) - target) / (e * (p / a_ + q / b_))
        zeta = np.minimum(zeta - step, zeta_hi)
        if np.all(np.abs(step) <= 1e-14 * np.maximum(1.0, np.abs(zeta))):
            break
    u = np.exp(zeta) - m
    integrand = np.exp(-kappa * y) / (p / (alpha + u) + q / (beta + u))
    mass = (integrand * weights).sum(-1)
    with np.errstate(divide="ignore"):
        log_i = -g_lo[..., 0] - np.log(eps[..., 0]) + np.log(mass)
    share = integrand * weights / np.where(mass > 0, mass, 1.0)[..., None]
    return log_i, u, share


def _log_integral(r, alpha, s, beta, x, t_x, T, chunk: int = 32_768):
    """log I and its gradient (d/dr, d/dalpha, d/ds, d/dbeta); I = 0 (log -inf) where t_x == T."""
    if len(x) > chunk:  # bounds the (rows, nodes) work arrays
        parts = [_log_integral(r, alpha, s, beta, x[i:i + chunk], t_x[i:i + chunk], T[i:i + chunk])
                 for i in range(0, len(x), chunk)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    log_i, u, share = _power_integral(alpha, r + x, beta, s + 1, t_x, T)
    grad = np.stack([
        -(share * np.log(alpha + u)).sum(1),
        -(share * ((r + x)[:, None] / (alpha + u))).sum(1),
        -(share * np.log(beta + u)).sum(1),
        -(share * ((s + 1) / (beta + u))).sum(1),
    ], axis=1)
    return log_i, np.nan_to_num(grad)


def _loglik(params, x, t_x, T):
    r, alpha, s, beta = params
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    log_i, d_i = _log_integral(r, alpha, s, beta, x, t_x, T)
    left = np.log(s) + log_i
    top = np.logaddexp(alive, left)
    w = np.exp(alive - top)  # P(alive at T | data)
    grad = np.empty((len(x), 4))
    grad[:, 0] = digamma(r + x) - digamma(r) + np.log(alpha) - w * np.log(alpha + T) + (1 - w) * d_i[:, 0]
    grad[:, 1] = r / alpha - w * (r + x) / (alpha + T) + (1 - w) * d_i[:, 1]
    grad[:, 2] = np.log(beta) - w * np.log(beta + T) + (1 - w) * (1 / s + d_i[:, 2])
    grad[:, 3] = s / beta - w * s / (beta + T) + (1 - w) * d_i[:, 3]
    return gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + top, grad


def _one_minus_power_over(c, log_base):
    """(1 - exp(-c * log_base)) / c, with its limit log_base at c = 0."""
    small = np.abs(c) < 1e-8
    return np.where(small, log_base, -np.expm1(-c * log_base) / np.where(small, 1.0, c))


class ParetoNBDModel(PurchaseModel):
    """The Pareto/NBD model: ``params_`` r, alpha, s, beta (alpha and beta in the summary's time unit)."""

    _names = ("r", "alpha", "s", "beta")
    _time_params = [1, 3]
    name = "paretonbd"
    _loglik = _loglik_fit = staticmethod(_loglik)
    _prepare = staticmethod(lambda x, t_x, T: (x, t_x, T))

    def _alive(self, x, t_x, T):
        r, alpha, s, beta = self._params()
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        left = np.log(s) + _log_integral(r, alpha, s, beta, x, t_x, T)[0]
        return np.exp(alive - np.logaddexp(alive, left))

    def _expected_if_alive(self, t, x, T):
        # E[lambda | alive] * E[(1 - e^(-mu t)) / mu | alive], lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T)
        r, alpha, s, beta = self._params()
        return (r + x) / (alpha + T) * (beta + T) * _one_minus_power_over(s - 1, np.log1p(t / (beta + T)))

    def population_expected_purchases(self, t) -> np.ndarray:
        """E[X(t)]: expected repeat purchases in (0, t] of a new customer."""
        r, alpha, s, beta = self._params()
        t = np.asarray(t, dtype=float)
        return r / alpha * beta * _one_minus_power_over(s - 1, np.log1p(t / beta))

    def _p_purchase(self, t, x, t_x, T):
        (xu, big_tu), codes = distinct(x, T)
        return self._alive_rows(x, t_x, T) * self._p_purchase_if_alive(t, xu, big_tu)[codes]

    def _p_purchase_if_alive(self, t, x, T):
        # Given alive at T: lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T) independently, and
        # P(purchase by t | alive) = int_0^t E[lambda e^-lambda u] E[e^-mu u] du
        #                          = (r+x) A^(r+x) B^s int_0^t (A+u)^-(r+x+1) (B+u)^-s du.
        r, alpha, s, beta = self._params()
        big_a, big_b, k = alpha + T, beta + T, r + x
        log_i = _power_integral(big_a, k + 1, big_b, s, 0.0, t)[0]
        return np.exp(np.log(k) + k * np.log(big_a) + s * np.log(big_b) + log_i)

    def _next_purchase_time(self, q, x, t_x, T):
        # Solve P(purchase within t | alive) = q / P(alive) on the distinct rows, by Newton steps on
        # log t with the density in closed form, kept inside a shrinking bracket.
        r, alpha, s, beta = self._params()
        (xu, tu, big_tu), codes = distinct(x, t_x, T)
        alive = self._alive(xu, tu, big_tu)
        want = np.divide(q, alive, out=np.full(len(xu), np.inf), where=alive > 0)
        todo = self._p_purchase_if_alive(np.inf, xu, big_tu) > want
        k, big_a, big_b, goal = (r + xu)[todo], (alpha + big_tu)[todo], (beta + big_tu)[todo], want[todo]
        lo, hi = np.full(len(k), -40.0), np.full(len(k), 40.0)
        # start where it would be if nobody left (the BG/NBD's closed form): at or before the answer
        tau = np.log(big_a * np.expm1(-np.log1p(-np.minimum(goal, 1 - 1e-12)) / k))
        for _ in range(100):
            t = np.exp(tau)
            gap = self._p_purchase_if_alive(t, xu[todo], big_tu[todo]) - goal
            lo, hi = np.where(gap < 0, tau, lo), np.where(gap < 0, hi, tau)
            density = k / big_a * np.exp(-(k + 1) * np.log1p(t / big_a) - s * np.log1p(t / big_b))
            step = tau - gap / (density * t)
            inside = (step > lo) & (step < hi)
            tau = np.where(inside, step, (lo + hi) / 2)
            if np.all(np.abs(gap) < 1e-12):
                break
        out = np.full(len(xu), np.inf)
        out[todo] = np.exp(tau)
        return out[codes]

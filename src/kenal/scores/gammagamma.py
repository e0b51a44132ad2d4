"""Gamma-Gamma spend model: Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for
customer base analysis", JMR 42(4); Fader & Hardie (2013), "The Gamma-Gamma model of monetary value".

Each purchase of a customer is worth z ~ Gamma(p, nu) and nu ~ Gamma(q, gamma) across customers.  With
x repeat purchases averaging m, the likelihood is::

    f(m | p, q, gamma; x) = G(px+q) / (G(px) G(q)) * gamma^q m^(px-1) x^px / (gamma + m x)^(px+q)

and the expected spend per purchase is a weighted mean of the population mean p gamma / (q-1) and the
customer's own mean m, the weight on m growing with x::

    E[Z | p, q, gamma, m, x] = (gamma + m x) p / (p x + q - 1)

Only customers with a repeat purchase (x >= 1) carry information; the model ignores the others when
fitting and gives them the population mean.  It assumes spend does not depend on purchase frequency.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from kenal.errors import SourceError
from kenal.scores._mle import ModelError, _shown, as_float, fit_mle, levels


def _prepare(x, m):
    """Rows, their logs, and the distinct values of x (the gamma functions depend on x alone)."""
    return (x, m, np.log(m), np.log(x), *levels(x))


def _loglik_prepared(params, x, m, log_m, log_x, xu, xi):
    p, q, gamma = params
    pxu = p * xu
    const = gammaln(pxu + q) - gammaln(pxu) - gammaln(q) + q * np.log(gamma)  # per distinct x
    d_p = digamma(pxu + q) - digamma(pxu)
    d_q = digamma(pxu + q) - digamma(q) + np.log(gamma)
    px = p * x
    total = gamma + m * x
    log_total = np.log(total)
    grad = np.empty((len(x), 3))
    grad[:, 0] = x * (d_p[xi] + log_m + log_x - log_total)
    grad[:, 1] = d_q[xi] - log_total
    grad[:, 2] = q / gamma - (px + q) / total
    return const[xi] + (px - 1) * log_m + px * log_x - (px + q) * log_total, grad


def _loglik(params, x, m):
    """Log-likelihood of each row (x >= 1, m) and its gradient in (p, q, gamma)."""
    return _loglik_prepared(params, *_prepare(x, m))


def check_spend(frequency, monetary_value, source: str = "summary") -> tuple[np.ndarray, np.ndarray]:
    """frequency and mean spend per repeat purchase as arrays; a customer with repeat purchases must
    have a positive mean spend (customers without repeat purchases may have any value, even 0)."""
    x = as_float(frequency, "frequency", source)
    m = as_float(monetary_value, "monetary_value", source)
    if (x < 0).any() or (x != np.round(x)).any():
        i = int(np.argmax((x < 0) | (x != np.round(x))))
        raise SourceError(source, f"is not a whole number >= 0 in row {i + 1}", column="frequency",
                          example=_shown(x[i]), expected="the number of repeat purchases (0, 1, 2, ...)")
    bad = (x > 0) & (m <= 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise SourceError(source, f"is not positive in row {i + 1}, a customer with repeat purchases",
                          column="monetary_value", example=_shown(m[i]),
                          expected="the average value of the customer's repeat purchases, > 0")
    return x, m


class GammaGammaModel(BaseEstimator):
    """The Gamma-Gamma model of spend per purchase: ``params_`` p, q, gamma (gamma in money)."""

    _names = ("p", "q", "gamma")
    name = "gammagamma"

    def fit(self, frequency, monetary_value=None):
        """Fit on customers with at least one repeat purchase: ``fit(frame)`` with columns frequency
        and monetary_value (the mean value of the repeat purchases), or two arrays."""
        if monetary_value is None:
            frequency, monetary_value = frequency["frequency"], frequency["monetary_value"]
        x, m = check_spend(frequency, monetary_value)
        repeat = x > 0
        if not repeat.any():
            raise ModelError("no customer has a repeat purchase, so there is no spend per repeat purchase "
                             "to learn from")
        self.params_, self.standard_errors_, self.log_likelihood_, self.n_customers_ = fit_mle(
            _loglik_prepared, self._names, [x[repeat], m[repeat]], time_columns=[], time_params=[],
            x0=np.array([1.0, 2.0, float(np.mean(m[repeat]))]), prepare=_prepare)
        return self

    def to_dict(self) -> dict:
        check_is_fitted(self, "params_")
        return {"model": self.name, "n_customers": self.n_customers_, "params": self.params_,
                "standard_errors": self.standard_errors_, "log_likelihood": self.log_likelihood_}

    def mean_spend(self) -> float:
        """The population's mean spend per purchase, p gamma / (q - 1)."""
        check_is_fitted(self, "params_")
        p, q, gamma = (self.params_[n] for n in self._names)
        if q <= 1:
            raise ModelError(f"the fitted q ({q:.3g}) is <= 1, so the mean spend per purchase is infinite")
        return p * gamma / (q - 1)

    def expected_spend(self, frequency, monetary_value=None) -> np.ndarray:
        """Expected value of each customer's future purchases (the population mean for frequency 0)."""
        if monetary_value is None:
            frequency, monetary_value = frequency["frequency"], frequency["monetary_value"]
        x, m = check_spend(frequency, monetary_value, source="input")
        self.mean_spend()  # raises when q <= 1
        p, q, gamma = (self.params_[n] for n in self._names)
        return (gamma + m * x) * p / (p * x + q - 1)

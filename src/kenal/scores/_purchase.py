"""The part the purchase models (BG/NBD, Pareto/NBD) share: fitting, checks, CLV."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from kenal.scores._mle import as_float, check_rfm, discount_sum, distinct, fit_mle, rfm_columns


class PurchaseModel(BaseEstimator):
    """Base of the buy-till-you-die purchase models.  Time is in whatever unit the summary uses
    (CDNOW: weeks); alpha and beta are in that unit, and so are ``t`` and ``horizon``."""

    _names: tuple[str, ...] = ()
    _time_params: list[int] = []
    name = ""
    # _loglik(params, x, t_x, T) -> (ll, grad); fitting calls _loglik_fit(params, *_prepare(x, t_x, T))
    _loglik_fit = _prepare = None

    def fit(self, frequency, recency=None, T=None):
        """Fit on one row per customer: ``fit(frame)`` with columns frequency, recency, T, or three arrays."""
        x, t_x, age = check_rfm(*rfm_columns(frequency, recency, T))
        self.params_, self.standard_errors_, self.log_likelihood_, self.n_customers_ = fit_mle(
            self._loglik_fit, self._names, [x, t_x, age], time_columns=[1, 2], time_params=self._time_params,
            prepare=self._prepare)
        return self

    def to_dict(self) -> dict:
        """The estimates, their standard errors and the log-likelihood (what ``kenal clv fit`` prints)."""
        check_is_fitted(self, "params_")
        return {"model": self.name, "n_customers": self.n_customers_, "params": self.params_,
                "standard_errors": self.standard_errors_, "log_likelihood": self.log_likelihood_}

    def log_likelihood(self, frequency, recency=None, T=None) -> float:
        """Total log-likelihood of a summary at the fitted parameters."""
        return float(self._loglik(self._params(), *self._rows(frequency, recency, T))[0].sum())

    def _params(self) -> np.ndarray:
        check_is_fitted(self, "params_")
        return np.array([self.params_[n] for n in self._names])

    @staticmethod
    def _rows(frequency, recency, T):
        return check_rfm(*rfm_columns(frequency, recency, T), source="input")

    def _alive_rows(self, x, t_x, T):
        """P(alive) per row, computed once per distinct (x, t_x, T)."""
        (xu, tu, big_tu), codes = distinct(x, t_x, T)
        return self._alive(xu, tu, big_tu)[codes]

    def _if_alive_rows(self, x, T):
        """``f(t)`` giving E[purchases in the next t | alive] per row, computed per distinct (x, T)."""
        (xu, big_tu), codes = distinct(x, T)
        return lambda t: self._expected_if_alive(t, xu, big_tu)[codes]

    def p_alive(self, frequency, recency=None, T=None) -> np.ndarray:
        """Probability that each customer is still a customer at the end of the period (T)."""
        return self._alive_rows(*self._rows(frequency, recency, T))

    def expected_purchases(self, t, frequency, recency=None, T=None) -> np.ndarray:
        """Expected number of purchases in the next ``t`` time units, for each customer."""
        x, t_x, age = self._rows(frequency, recency, T)
        return self._alive_rows(x, t_x, age) * self._if_alive_rows(x, age)(float(t))

    def p_purchase(self, t, frequency, recency=None, T=None) -> np.ndarray:
        """Probability of at least one purchase in the next ``t`` time units (``np.inf``: ever again)."""
        return self._p_purchase(float(t), *self._rows(frequency, recency, T))

    def next_purchase_time(self, frequency, recency=None, T=None, q: float = 0.5) -> np.ndarray:
        """Time from the end of the period until the customer has bought again with probability ``q``:
        with the default 0.5, the median wait for the next purchase, i.e. the date by which the customer
        is as likely as not to have bought.  ``inf`` when the chance of ever buying again is below ``q``
        (the mean wait is infinite for every customer who may have left, so it is not reported)."""
        if not 0 < q < 1:
            raise ValueError("q must be between 0 and 1")
        return self._next_purchase_time(q, *self._rows(frequency, recency, T))

    def clv(self, frequency, recency=None, T=None, *, spend, horizon: float, discount_rate: float = 0.0,
            step: float = 1.0) -> np.ndarray:
        """Discounted value of each customer's purchases over the next ``horizon`` time units.

        ``spend`` is the expected value of one purchase per customer (``GammaGammaModel.expected_spend``,
        or a margin from it).  The horizon is cut into steps of ``step`` units; the purchases expected
        in step k (the conditional expectation at k*step minus that at (k-1)*step) are valued at
        ``spend`` and discounted from the step's end by ``(1 + discount_rate) ** (k*step)``, so
        ``discount_rate`` is the rate per time unit: 10% a year on weekly data is ``1.10 ** (1/52) - 1``.
        This is the discrete version of the continuous discounting of Fader, Hardie & Lee (2005,
        "RFM and CLV"); with step 1 week it is within ``discount_rate / 2`` of it, relatively.
        """
        x, t_x, age = self._rows(frequency, recency, T)
        value = as_float(spend, "spend", "input") * self._alive_rows(x, t_x, age)
        return value * discount_sum(self._if_alive_rows(x, age), horizon, discount_rate, step)

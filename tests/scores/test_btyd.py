"""BG/NBD, Pareto/NBD and Gamma-Gamma: the published CDNOW estimates, formulas checked against
published worked values and against independent computations, gradients, hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.special import betaln, gammaln, hyp2f1, hyperu

from kenal.errors import SourceError
from kenal.scores import BetaGeoModel, GammaGammaModel, ParetoNBDModel
from kenal.scores import bgnbd, gammagamma, paretonbd
from kenal.scores.bgnbd import sample_bgnbd


def sig3(value: float) -> float:
    return float(f"{value:.3g}")


def with_params(model, **params):
    model.params_ = params
    return model


# --- the published estimates, to 3 significant digits --------------------------------------------

# Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science 24(2),
# table of model estimates for the CDNOW sample (2,357 customers, weeks 1-39):
#   BG/NBD      r = 0.243, alpha = 4.414, a = 0.793, b = 2.426,     LL = -9582.4
#   Pareto/NBD  r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0
# Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4) (and Fader & Hardie's note on the Gamma-Gamma
# model), on the 946 customers with a repeat purchase: p = 6.25, q = 3.74, gamma = 15.44.
PUBLISHED = {
    "bgnbd": ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4),
    "paretonbd": ({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, -9595.0),
}


@pytest.mark.parametrize("model", [BetaGeoModel, ParetoNBDModel], ids=["bgnbd", "paretonbd"])
def test_purchase_models_reproduce_the_published_cdnow_estimates(cdnow, model):
    fitted = model().fit(cdnow)
    params, ll = PUBLISHED[fitted.name]
    assert {k: sig3(v) for k, v in fitted.params_.items()} == {k: sig3(v) for k, v in params.items()}
    assert round(fitted.log_likelihood_, 1) == ll  # 5 significant digits
    assert fitted.n_customers_ == 2357
    assert all(0 < se < v for v, se in zip(fitted.params_.values(), fitted.standard_errors_.values()))


def test_gamma_gamma_reproduces_the_published_cdnow_estimates(cdnow_spend):
    fitted = GammaGammaModel().fit(cdnow_spend)
    assert fitted.n_customers_ == 946
    assert {k: sig3(v) for k, v in fitted.params_.items()} == {"p": 6.25, "q": 3.74, "gamma": 15.4}
    assert fitted.mean_spend() == pytest.approx(6.25 * 15.44 / 2.74, rel=2e-3)  # $35.2 a purchase


def test_standard_errors_match_lifetimes_on_cdnow(cdnow):
    # lifetimes 0.11.3 (its Hessian by automatic differentiation) on the same file, same run of this
    # code's development: se(r, alpha, a, b) = 0.012557, 0.378221, 0.185719, 0.705345.
    se = BetaGeoModel().fit(cdnow).standard_errors_
    assert [round(v, 5) for v in se.values()] == [0.01256, 0.37822, 0.18572, 0.70535]


# --- formulas against published worked values -----------------------------------------------------

def test_bgnbd_formulas_match_hardies_spreadsheet(cdnow):
    # Hardie's BG/NBD Excel note (the values the lifetimes tests also use), at the spreadsheet's own
    # CDNOW estimates: E[X(t)] for a new customer, and E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226.
    # The spreadsheet's optimum (Excel's Solver) differs from ours in the 4th digit, and E[X(78)]
    # moves 3e-4 with it; the 3-decimal published estimates would move it 1.6e-3, so we use our fit.
    m = BetaGeoModel().fit(cdnow)
    times = [0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00]
    assert m.population_expected_purchases(times) == pytest.approx(
        [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576], rel=3e-4, abs=5e-5)
    assert m.expected_purchases(39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=5e-4)


def test_pareto_formulas_match_the_btyd_walkthrough():
    # R package BTYD's walkthrough (McCarthy & Wadsworth), with its CDNOW estimates: a customer with
    # x = 26, t_x = 30.86, T = 31 is alive with probability 0.9979 and expected to buy 25.46 times in 52 weeks.
    m = with_params(ParetoNBDModel(), r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562)
    assert m.p_alive([26], [30.86], [31])[0] == pytest.approx(0.9979, abs=5e-5)
    # 25.46 is printed to 2 decimals from estimates shown to 4: ours at those 4 digits is 25.4549.
    assert m.expected_purchases(52, [26], [30.86], [31])[0] == pytest.approx(25.46, abs=6e-3)


# --- hand-worked tiny cases -----------------------------------------------------------------------

def test_bgnbd_by_hand():
    # r = alpha = a = b = 1.  x = 0, T = 2: L = (alpha / (alpha+T))^r = 1/3.
    # x = 1, t_x = 1, T = 2: L = b/(a+b) * r alpha^r/(alpha+T)^2 + a/(a+b) * r alpha^r/(alpha+t_x)^2
    #                         = 1/2 * 1/9 + 1/2 * 1/4 = 13/72, and P(alive) = (1/18) / (13/72) = 4/13.
    ll, _ = bgnbd._loglik(np.ones(4), np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([2.0, 2.0]))
    assert ll == pytest.approx([math.log(1 / 3), math.log(13 / 72)], rel=1e-12)
    m = with_params(BetaGeoModel(), r=1.0, alpha=1.0, a=1.0, b=1.0)
    assert m.p_alive([0, 1], [0, 1], [2, 2]) == pytest.approx([1.0, 4 / 13], rel=1e-12)
    # P(buys within t) = P(alive) (1 - ((alpha+T)/(alpha+T+t))^(r+x)): x=1, t=3: 4/13 * (1 - (3/6)^2) = 3/13
    assert m.p_purchase(3, [1], [1], [2])[0] == pytest.approx(3 / 13, rel=1e-12)
    # its median wait solves 4/13 (1 - (3/(3+t))^2) = 1/2, which it cannot (4/13 < 1/2): infinite;
    # for x = 0, 1 - 3/(3+t) = 1/2 at t = 3.
    assert m.next_purchase_time([1, 0], [1, 0], [2, 2]).tolist() == [math.inf, pytest.approx(3.0)]


def test_pareto_nbd_by_hand():
    # r = alpha = s = beta = 1, x = 0, T = 1: alive term (2)^-1 (2)^-1 = 1/4, I = int_0^1 (1+u)^-3 du = 3/8,
    # L = 1/4 + s I = 5/8, P(alive) = 2/5, and with s = 1,
    # E[Y(t)] = P(alive) (r+x)(beta+T)/(alpha+T) ln(1 + t/(beta+T)).
    ll, _ = paretonbd._loglik(np.ones(4), np.array([0.0]), np.array([0.0]), np.array([1.0]))
    assert ll[0] == pytest.approx(math.log(5 / 8), rel=1e-12)
    m = with_params(ParetoNBDModel(), r=1.0, alpha=1.0, s=1.0, beta=1.0)
    assert m.p_alive([0], [0], [1])[0] == pytest.approx(2 / 5, rel=1e-12)
    assert m.expected_purchases(2, [0], [0], [1])[0] == pytest.approx(0.4 * math.log(2), rel=1e-9)


def test_gamma_gamma_by_hand():
    # p = 1, q = 2, gamma = 1, one repeat purchase of 1: f = G(3)/(G(1) G(2)) * 1 * 1 * 1 / 2^3 = 1/4;
    # E[Z] = (gamma + m x) p / (p x + q - 1) = 1, the population mean p gamma / (q - 1) = 1; and a
    # customer with 3 purchases averaging 5: (1 + 15) / 4 = 4, shrunk from 5 toward 1.
    ll, _ = gammagamma._loglik(np.array([1.0, 2.0, 1.0]), np.array([1.0]), np.array([1.0]))
    assert ll[0] == pytest.approx(math.log(1 / 4), rel=1e-12)
    m = with_params(GammaGammaModel(), p=1.0, q=2.0, gamma=1.0)
    assert m.expected_spend([0, 1, 3], [0.0, 1.0, 5.0]).tolist() == pytest.approx([1.0, 1.0, 4.0])


def test_p_alive_is_one_without_repeat_purchases_in_bgnbd(cdnow):
    m = BetaGeoModel().fit(cdnow)
    p = m.p_alive(cdnow)
    assert (p[cdnow["frequency"].to_numpy() == 0] == 1.0).all()
    assert ((p > 0) & (p <= 1)).all() and (p[cdnow["frequency"].to_numpy() > 0] < 1).all()


# --- gradients and the Pareto/NBD integral ---------------------------------------------------------

@pytest.mark.parametrize("loglik,params", [
    (bgnbd._loglik, [0.243, 4.414, 0.793, 2.426]), (bgnbd._loglik, [1.7, 0.6, 3.1, 0.4]),
    (paretonbd._loglik, [0.553, 10.578, 0.606, 11.669]), (paretonbd._loglik, [2.5, 0.3, 4.0, 30.0]),
])
def test_purchase_gradients_match_finite_differences(cdnow, loglik, params):
    rows = cdnow.sample(300, random_state=0)
    data = [rows[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    params = np.array(params)
    _, grad = loglik(params, *data)
    for j in range(4):
        h = 1e-6 * params[j]
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        numeric = (loglik(up, *data)[0] - loglik(down, *data)[0]) / (2 * h)
        assert grad[:, j] == pytest.approx(numeric, rel=1e-5, abs=1e-7)


def test_gamma_gamma_gradient_matches_finite_differences(cdnow_spend):
    rows = cdnow_spend[cdnow_spend["frequency"] > 0]
    data = [rows["frequency"].to_numpy(dtype=float), rows["monetary_value"].to_numpy(dtype=float)]
    params = np.array([6.25, 3.74, 15.44])
    _, grad = gammagamma._loglik(params, *data)
    for j in range(3):
        h = 1e-6 * params[j]
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        numeric = (gammagamma._loglik(up, *data)[0] - gammagamma._loglik(down, *data)[0]) / (2 * h)
        assert grad[:, j] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_pareto_integral_matches_adaptive_quadrature():
    # Random parameters over six orders of magnitude, heavy and light buyers: the 48-point rule in
    # log v agrees with scipy's adaptive quadrature to 1e-9 in log I.
    rng = np.random.default_rng(1)
    worst = 0.0
    for i in range(300):
        r, alpha, s, beta = np.exp(rng.uniform(-3, 3, 4))
        T = float(np.exp(rng.uniform(-2, 6)))
        x = float(rng.integers(0, 200) if i % 2 else rng.integers(0, 5))
        t_x = 0.0 if x == 0 else T * rng.uniform()
        log_i, _ = paretonbd._log_integral(r, alpha, s, beta, np.array([x]), np.array([t_x]), np.array([T]))
        top = -(r + x) * math.log(alpha + t_x) - (s + 1) * math.log(beta + t_x)
        value, _ = quad(lambda u: math.exp(-(r + x) * math.log(alpha + u) - (s + 1) * math.log(beta + u) - top),
                        t_x, T, epsabs=0, epsrel=1e-13, limit=1000)
        worst = max(worst, abs(log_i[0] - (math.log(value) + top)))
    assert worst < 1e-9


def _pareto_loglik_published(r, alpha, s, beta, x, t_x, T):
    """Fader & Hardie's (2005) closed form with 2F1, switching on alpha >= beta."""
    rsx = r + s + x
    if alpha >= beta:
        a0 = (hyp2f1(rsx, s + 1, rsx + 1, (alpha - beta) / (alpha + t_x)) / (alpha + t_x) ** rsx
              - hyp2f1(rsx, s + 1, rsx + 1, (alpha - beta) / (alpha + T)) / (alpha + T) ** rsx)
    else:
        a0 = (hyp2f1(rsx, r + x, rsx + 1, (beta - alpha) / (beta + t_x)) / (beta + t_x) ** rsx
              - hyp2f1(rsx, r + x, rsx + 1, (beta - alpha) / (beta + T)) / (beta + T) ** rsx)
    return (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            + np.log(1 / ((alpha + T) ** (r + x) * (beta + T) ** s) + s / rsx * a0))


@pytest.mark.parametrize("params", [[0.553, 10.578, 0.606, 11.669], [0.9, 20.0, 1.3, 5.0]])
def test_pareto_likelihood_matches_the_hypergeometric_form(cdnow, params):
    data = [cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    ours = paretonbd._loglik(np.array(params), *data)[0]
    assert ours == pytest.approx(_pareto_loglik_published(*params, *data), rel=1e-9, abs=1e-9)


# --- predictions against independent computations ------------------------------------------------

def test_bgnbd_conditional_expectation_matches_its_integral_form():
    # Given alive at T: lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x), E[purchases in t] = E[(1 - e^-lambda p t) / p]
    # = E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p]: one integral over p, no 2F1.
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    m = with_params(BetaGeoModel(), r=r, alpha=alpha, a=a, b=b)
    for x, t_x, T, t in [(0, 0, 38.86, 39), (2, 30.43, 38.86, 39), (7, 10.0, 35.0, 52), (30, 38.0, 38.5, 13)]:
        big_a = alpha + T
        def integrand(p):
            return ((1 - (big_a / (big_a + p * t)) ** (r + x)) / p
                    * np.exp((a - 1) * np.log(p) + (b + x - 1) * np.log1p(-p) - betaln(a, b + x)))
        expected = m.p_alive([x], [t_x], [T])[0] * quad(integrand, 0, 1, limit=200)[0]
        assert m.expected_purchases(t, [x], [t_x], [T])[0] == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("model", [BetaGeoModel, ParetoNBDModel])
def test_next_purchase_time_is_where_p_purchase_reaches_one_half(cdnow, model):
    m = model().fit(cdnow)
    rows = cdnow.drop_duplicates().head(400)
    wait = m.next_purchase_time(rows)
    finite = np.isfinite(wait)
    assert finite.sum() > 50 and (~finite).sum() > 50
    assert (m.p_purchase(np.inf, rows)[~finite] <= 0.5 + 1e-9).all()
    reached = [m.p_purchase(w, rows.iloc[[i]])[0] for i, w in enumerate(wait) if np.isfinite(w)]
    assert reached == pytest.approx([0.5] * len(reached), abs=1e-9)
    assert (m.expected_purchases(90 / 7, rows) >= m.expected_purchases(30 / 7, rows)).all()
    assert (m.p_purchase(30 / 7, rows) <= m.p_alive(rows) + 1e-12).all()


def test_clv_without_discount_is_spend_times_expected_purchases(cdnow):
    m = BetaGeoModel().fit(cdnow)
    spend = np.full(len(cdnow), 20.0)
    assert m.clv(cdnow, spend=spend, horizon=52, step=52) == pytest.approx(20 * m.expected_purchases(52, cdnow))
    assert m.clv(cdnow, spend=spend, horizon=52) == pytest.approx(20 * m.expected_purchases(52, cdnow))
    discounted = m.clv(cdnow, spend=spend, horizon=52, discount_rate=1.15 ** (1 / 52) - 1)
    assert (discounted < 20 * m.expected_purchases(52, cdnow)).all()


def test_pareto_clv_approaches_the_published_dert():
    # Fader, Hardie & Lee (2005, "RFM and CLV") give discounted expected residual transactions under
    # continuous discounting at delta: DERT = P(alive) (r+x)/(alpha+T) (beta+T)^s delta^(s-1) U(s, s; delta (beta+T)).
    # 15% a year on weeks is delta = log(1.15)/52.  Our weekly steps over 2,000 weeks come within
    # delta/2 (relative) of it.
    r, alpha, s, beta = 0.553, 10.578, 0.606, 11.669
    m = with_params(ParetoNBDModel(), r=r, alpha=alpha, s=s, beta=beta)
    delta = math.log(1.15) / 52
    x, t_x, T = np.array([0.0, 2.0, 10.0]), np.array([0.0, 30.43, 35.0]), np.array([38.86, 38.86, 38.86])
    dert = (m.p_alive(x, t_x, T) * (r + x) / (alpha + T) * (beta + T) ** s * delta ** (s - 1)
            * hyperu(s, s, delta * (beta + T)))
    ours = m.clv(x, t_x, T, spend=np.ones(3), horizon=2000, discount_rate=math.exp(delta) - 1)
    assert ours == pytest.approx(dert, rel=delta)


# --- fitting ----------------------------------------------------------------------------------------

def test_fit_recovers_simulated_parameters():
    true = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
    T = np.random.default_rng(5).uniform(20, 60, 40_000)
    x, t_x = sample_bgnbd(*true.values(), T, seed=7)
    m = BetaGeoModel().fit(x, t_x, T)
    for k, v in true.items():
        assert abs(m.params_[k] - v) < 3 * m.standard_errors_[k], k


def test_log_likelihood_is_the_sum_over_customers_whatever_the_grouping(cdnow):
    m = BetaGeoModel().fit(cdnow)
    assert m.log_likelihood(cdnow) == pytest.approx(m.log_likelihood_, rel=1e-12)
    doubled = pd.concat([cdnow, cdnow])
    m2 = BetaGeoModel().fit(doubled)
    assert m2.log_likelihood_ == pytest.approx(2 * m.log_likelihood_, rel=1e-9)
    assert m2.params_ == pytest.approx(m.params_, rel=1e-5)
    assert m2.n_customers_ == 2 * 2357


def test_the_time_unit_only_rescales_alpha_and_beta(cdnow):
    days = cdnow.assign(recency=cdnow["recency"] * 7, T=cdnow["T"] * 7)
    for model, scaled in ((BetaGeoModel, ("alpha",)), (ParetoNBDModel, ("alpha", "beta"))):
        weeks, in_days = model().fit(cdnow), model().fit(days)
        for k, v in weeks.params_.items():
            assert in_days.params_[k] == pytest.approx(v * 7 if k in scaled else v, rel=1e-5)
        # L has lambda^x, so in days it is 7^-x times the weekly one per customer
        assert in_days.log_likelihood_ == pytest.approx(
            weeks.log_likelihood_ - math.log(7) * cdnow["frequency"].sum(), rel=1e-9)


def test_fitting_is_deterministic(cdnow):
    assert BetaGeoModel().fit(cdnow).params_ == BetaGeoModel().fit(cdnow).params_


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("frame,message", [
    (pd.DataFrame({"frequency": [1, -1], "recency": [1, 0], "T": [2, 2]}),
     "summary: column 'frequency' is negative in row 2 (example: -1) - expected a value >= 0"),
    (pd.DataFrame({"frequency": [1, 2], "recency": [1, 3], "T": [2, 2]}),
     "summary: column 'recency' is greater than T (2) in row 2 (example: 3) - expected recency <= T "
     "(the last purchase falls within the customer's age)"),
    (pd.DataFrame({"frequency": [0], "recency": [1.5], "T": [2]}),
     "summary: column 'recency' is above 0 for a customer with frequency 0 in row 1 (example: 1.5) - expected "
     "recency 0 when there is no repeat purchase (recency is the time from the first to the last purchase)"),
    (pd.DataFrame({"frequency": [1, "two"], "recency": [1, 1], "T": [2, 2]}),
     "summary: column 'frequency' is not a number in row 2 (example: 'two') - expected a number"),
    (pd.DataFrame({"frequency": [1.5], "recency": [1], "T": [2]}),
     "summary: column 'frequency' is not a whole number in row 1 (example: 1.5) - expected the number of "
     "repeat purchases (0, 1, 2, ...)"),
    (pd.DataFrame({"frequency": [1], "T": [2]}),
     "summary: column 'recency' is missing - expected columns frequency, recency, T; found frequency, T"),
])
def test_bad_summaries_are_named(frame, message):
    with pytest.raises(SourceError) as caught:
        BetaGeoModel().fit(frame)
    assert str(caught.value) == message


def test_gamma_gamma_needs_positive_spend_from_repeat_buyers():
    with pytest.raises(SourceError, match="column 'monetary_value' is not positive in row 2"):
        GammaGammaModel().fit([0, 2], [0.0, 0.0])

"""BG/NBD and Gamma-Gamma lifetime-value models (METRICS.md §6, Predicted CLV): pure numpy/scipy.

BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science
24(2), equations (6) (likelihood) and (10) (conditional expectation). Gamma-Gamma: Fader &
Hardie (2013), "The Gamma-Gamma Model of Monetary Value", equations (1) and (5).

Inputs per customer: x = repeat purchases (frequency), t_x = time from the first to the last
purchase (recency), T = time from the first purchase to the end of observation, m = mean value
of the repeat purchases. The time unit is whatever the caller uses; r, a, b do not depend on
it and α scales with it (α in days = 7 × α in weeks).

Fits are deterministic: fixed start values, L-BFGS-B on log-parameters (so they stay positive)
with analytic gradients, then Newton steps on the analytic gradient until the step is below
1e-13. The Newton polish matters: the likelihood is flat near its maximum, so an optimiser
stopped by a tolerance lands anywhere in a 1e-7-wide region, and inputs that differ in the
last bit (sums of money added in another order by SQLite and PostgreSQL) would give
estimates differing far more than 1e-9; the zero of the gradient is a stable target. Times
and values are rescaled internally (largest T → 10, mean value → 1) so the optimiser sees
parameters of order one whatever the unit; the scale is undone exactly afterwards (α and v
are scale parameters). Identical (x, t_x, T) rows are collapsed with weights, which makes the
fit cost depend on distinct patterns, not on customers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln, hyp2f1

_LOG_BOUND = 12.0  # parameters are kept within e^±12 of the rescaled data's natural scale


@dataclass(frozen=True)
class BGNBDParams:
    r: float
    alpha: float
    a: float
    b: float
    loglik: float  # total log-likelihood in the caller's time unit


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    v: float
    loglik: float  # total log-likelihood in the caller's money unit

    @property
    def population_mean(self) -> float | None:
        """E[M] = p·v/(q − 1): the expected order value of a customer without repeat purchases;
        None when q ≤ 1 (the mean does not exist)."""
        return self.p * self.v / (self.q - 1.0) if self.q > 1.0 else None


def _arrays(*cols):
    return [np.asarray(c, dtype=float) for c in cols]


def bgnbd_loglik_terms(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (FHL 2005 eq. 6), in log space for stability.

    L = B(a, b+x)/B(a, b) · Γ(r+x)·α^r/Γ(r) · [(α+T)^−(r+x) + δ(x>0)·a/(b+x−1)·(α+t_x)^−(r+x)]
    """
    x, t_x, T = _arrays(x, t_x, T)
    head = (betaln(a, b + x) - betaln(a, b) + gammaln(r + x) - gammaln(r) + r * np.log(alpha))
    alive = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    # for x = 0 the second term is absent; b + x − 1 > 0 whenever x ≥ 1
    dropped = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + x - 1.0, 1.0))
                       - (r + x) * np.log(alpha + t_x), -np.inf)
    return head + np.logaddexp(alive, dropped)


def bgnbd_loglik_gradient(r, alpha, a, b, x, t_x, T, weights=None) -> np.ndarray:
    """Gradient of the (weighted) total BG/NBD log-likelihood with respect to (r, α, a, b)."""
    x, t_x, T = _arrays(x, t_x, T)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    repeat = x > 0
    alive = -(r + x) * np.log(alpha + T)
    bx1 = np.where(repeat, b + x - 1.0, 1.0)
    dropped = np.where(repeat, np.log(a) - np.log(bx1) - (r + x) * np.log(alpha + t_x), -np.inf)
    total = np.logaddexp(alive, dropped)
    w1, w2 = np.exp(alive - total), np.exp(dropped - total)  # shares of the two terms
    d_r = (digamma(r + x) - digamma(r) + np.log(alpha)
           - w1 * np.log(alpha + T) - w2 * np.log(alpha + t_x))
    d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
    d_a = digamma(a + b) - digamma(a + b + x) + w2 / a
    d_b = digamma(b + x) - digamma(a + b + x) - digamma(b) + digamma(a + b) - w2 / bx1
    return np.array([np.sum(w * d) for d in (d_r, d_alpha, d_a, d_b)])


def bgnbd_loglik(r, alpha, a, b, x, t_x, T, weights=None) -> float:
    terms = bgnbd_loglik_terms(r, alpha, a, b, x, t_x, T)
    return float(np.sum(terms if weights is None else terms * np.asarray(weights, dtype=float)))


def _collapse(*cols):
    """Distinct rows of the columns and how often each occurs (a deterministic, sorted order)."""
    stacked = np.column_stack(_arrays(*cols))
    uniq, counts = np.unique(stacked, axis=0, return_counts=True)
    return [uniq[:, i] for i in range(uniq.shape[1])], counts.astype(float)


def _minimise(neg_ll, neg_grad, start):
    """Minimise over log-parameters: L-BFGS-B, then Newton steps on the analytic gradient.

    The Newton Hessian is the central difference of the analytic gradient; a step is taken
    only while it does not worsen the objective beyond rounding, and stops below 1e-13.
    """
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)
    res = minimize(neg_ll, np.asarray(start, dtype=float), jac=neg_grad, method="L-BFGS-B",
                   bounds=bounds, options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
    theta, best = res.x, neg_ll(res.x)
    h = 1e-5
    eye = np.eye(theta.size)
    for _ in range(50):
        hess = np.array([(neg_grad(theta + h * e) - neg_grad(theta - h * e)) / (2 * h) for e in eye])
        hess = (hess + hess.T) / 2
        try:
            step = np.linalg.solve(hess, neg_grad(theta))
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or np.any(np.linalg.eigvalsh(hess) <= 0):
            break  # not at a proper maximum (degenerate data): keep the optimiser's point
        candidate = np.clip(theta - step, -_LOG_BOUND, _LOG_BOUND)
        value = neg_ll(candidate)
        if not value <= best + 1e-9 * max(1.0, abs(best)):
            break
        theta, best = candidate, min(best, value)
        if np.max(np.abs(step)) < 1e-13:
            break
    return theta


def fit_bgnbd(x, t_x, T) -> BGNBDParams:
    """Maximum-likelihood BG/NBD parameters for customers (x, t_x, T); needs ≥ 1 customer."""
    x, t_x, T = _arrays(x, t_x, T)
    if x.size == 0:
        raise ValueError("fit_bgnbd needs at least one customer")
    scale = 10.0 / max(float(T.max()), 1e-12)  # α is a time scale: fit on T ∈ (0, 10]
    (ux, ut, uT), w = _collapse(x, t_x * scale, T * scale)

    def neg_ll(logp):
        r, alpha, a, b = np.exp(logp)
        value = -np.sum(w * bgnbd_loglik_terms(r, alpha, a, b, ux, ut, uT))
        return value if np.isfinite(value) else 1e300

    def neg_grad(logp):
        params = np.exp(logp)  # chain rule: d/d log θ = θ · d/dθ
        g = -params * bgnbd_loglik_gradient(*params, ux, ut, uT, w)
        return np.where(np.isfinite(g), g, 0.0)

    r, alpha, a, b = np.exp(_minimise(neg_ll, neg_grad, np.zeros(4)))
    alpha /= scale
    return BGNBDParams(float(r), float(alpha), float(a), float(b),
                       bgnbd_loglik(r, alpha, a, b, x, t_x, T))


def bgnbd_expected_purchases(params: BGNBDParams, t, x, t_x, T) -> np.ndarray:
    """E[X(t) | x, t_x, T]: expected purchases in the next t time units (FHL 2005 eq. 10).

    (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
    / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)); t may be an array broadcast
    against the customers. At a = 1 the first factor is 0/0 (a removable singularity, met by
    fits where nobody repeats); within 1e-4 of it the value is the mean at a = 1 ± 1e-4.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = _arrays(x, t_x, T)
    if abs(a - 1.0) < 1e-4:
        return (_expected(r, alpha, 1.0 - 1e-4, b, t, x, t_x, T)
                + _expected(r, alpha, 1.0 + 1e-4, b, t, x, t_x, T)) / 2
    return _expected(r, alpha, a, b, t, x, t_x, T)


def _expected(r, alpha, a, b, t, x, t_x, T):
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1.0, z)
    bracket = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    numer = (a + b + x - 1.0) / (a - 1.0) * bracket
    repeat = x > 0
    ratio = np.where(repeat, a / np.where(repeat, b + x - 1.0, 1.0)
                     * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x))), 0.0)
    return numer / (1.0 + ratio)


def gamma_gamma_loglik_terms(p, q, v, x, m) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood of the mean repeat value m of x > 0 purchases:

    f(m | p, q, v, x) = Γ(px+q)/(Γ(px)Γ(q)) · v^q · m^(px−1) · x^(px) / (v + m·x)^(px+q)
    """
    x, m = _arrays(x, m)
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1.0) * np.log(m)
            + px * np.log(x) - (px + q) * np.log(v + m * x))


def gamma_gamma_loglik_gradient(p, q, v, x, m, weights=None) -> np.ndarray:
    """Gradient of the (weighted) total Gamma-Gamma log-likelihood with respect to (p, q, v)."""
    x, m = _arrays(x, m)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    px = p * x
    common = digamma(px + q) - np.log(v + m * x)
    d_p = x * (common - digamma(px) + np.log(m) + np.log(x))
    d_q = common - digamma(q) + np.log(v)
    d_v = q / v - (px + q) / (v + m * x)
    return np.array([np.sum(w * d) for d in (d_p, d_q, d_v)])


def fit_gamma_gamma(x, m) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters from repeat buyers (x > 0, m > 0)."""
    x, m = _arrays(x, m)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if x.size == 0:
        raise ValueError("fit_gamma_gamma needs at least one repeat buyer with a positive value")
    scale = 1.0 / float(np.mean(m))  # v is a money scale: fit on values of mean 1
    (ux, um), w = _collapse(x, m * scale)

    def neg_ll(logp):
        p, q, v = np.exp(logp)
        value = -np.sum(w * gamma_gamma_loglik_terms(p, q, v, ux, um))
        return value if np.isfinite(value) else 1e300

    def neg_grad(logp):
        params = np.exp(logp)
        g = -params * gamma_gamma_loglik_gradient(*params, ux, um, w)
        return np.where(np.isfinite(g), g, 0.0)

    p, q, v = np.exp(_minimise(neg_ll, neg_grad, np.array([0.0, np.log(2.0), 0.0])))
    v /= scale
    return GammaGammaParams(float(p), float(q), float(v),
                            float(np.sum(gamma_gamma_loglik_terms(p, q, v, x, m))))


def gamma_gamma_expected_value(params: GammaGammaParams, x, m) -> np.ndarray:
    """E[M | p, q, v, x, m] = p·(v + x·m)/(p·x + q − 1) for repeat buyers (Fader & Hardie 2013,
    eq. 5); customers with x = 0 (or no positive value) get the population mean p·v/(q − 1),
    NaN when q ≤ 1."""
    x, m = _arrays(x, m)
    p, q, v = params.p, params.q, params.v
    pop = params.population_mean
    pop = np.nan if pop is None else pop
    repeat = (x > 0) & np.isfinite(m) & (m > 0)
    denom = p * x + q - 1.0
    cond = np.where(repeat & (denom > 0), p * (v + x * np.where(repeat, m, 0.0))
                    / np.where(denom > 0, denom, 1.0), np.nan)
    return np.where(repeat, cond, pop)
